/* Site search over the prebuilt index (window.TIMELINE_SEARCH, from search/index.js).
   Every query word must begin a word of an entry; titles count most, then importance,
   then the newest date. Words are normalised as builder/search.py does. */
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  if (!form) return;
  var input = document.getElementById("search-q"),
    list = document.getElementById("search-results"),
    status = document.getElementById("search-status"),
    root = form.getAttribute("data-root") || "",
    data = window.TIMELINE_SEARCH || [],
    LIMIT = 50;

  // Accents and the vowel points of Hebrew and Arabic script are dropped (readers type
  // words without them); other marks spell words (the vowel signs of हिन्दी) and stay.
  var FOLDED = /[\u0300-\u036f\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7\u064b-\u065f\u0670]/g;
  function words(text) {
    return text.normalize("NFKD").replace(FOLDED, "").toLowerCase()
      .split(/[^\p{L}\p{N}\p{M}]+/u).filter(Boolean);
  }
  // Whether a word of `spaced` (words each after a space) begins with the query word `term`
  // (" kab" is in " in kabul"): one search of a string, where a list of 10,000 entries'
  // words took a tenth of a second to split at load and was slower to walk.
  function begins(spaced, term) {
    return spaced.indexOf(" " + term) >= 0;
  }
  function spaced(list) {
    return " " + list.join(" ");
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }
  // The text with each word a query word begins in <mark>, as text nodes: never markup.
  function marked(node, text, terms) {
    text.split(/([\p{L}\p{N}\p{M}]+)/u).forEach(function (part, i) {
      var hit = i % 2 && terms.some(function (t) { return begins(spaced(words(part)), t); });
      node.appendChild(hit ? el("mark", "", part) : document.createTextNode(part));
    });
    return node;
  }
  data.forEach(function (e) { e.ws = " " + e.w; e.tw = spaced(words(e.t)); });
  var stale = document.querySelector("#search-results + .more");  // the live preview runs this again
  if (stale) stale.remove();
  var more = el("button", "linkish more");
  more.type = "button";
  more.hidden = true;
  list.after(more);
  more.addEventListener("click", function () {
    var from = list.children.length;
    show(input.value, from + LIMIT);
    var next = list.children[from];
    if (next) next.querySelector("a").focus();
  });

  // The entries that `need` query words or more begin a word of, those with the most first.
  function matches(terms, need) {
    var found = [], most = 0;
    data.forEach(function (e) {
      var score = e.i, hits = 0;
      for (var i = 0; i < terms.length && hits + terms.length - i >= need; i++) {
        if (begins(e.tw, terms[i])) score += 3;
        else if (begins(e.ws, terms[i])) score += 1;
        else continue;
        hits++;
      }
      if (hits >= need) found.push([score, e, hits]);
      if (hits > most) most = hits;
    });
    return found.filter(function (f) { return f[2] === most; });
  }

  // Every word must match; failing that (a typo, an old address's words), the most of them.
  function search(query) {
    var terms = words(query), found = terms.length ? matches(terms, terms.length) : [];
    if (!found.length && terms.length > 1) found = matches(terms, 1);
    found.partial = found.length && found[0][2] < terms.length;
    return found.sort(function (a, b) {
      return b[0] - a[0] || (a[1].o < b[1].o) - (a[1].o > b[1].o);
    });
  }

  // The date as the pages give it: "c. August 2021" shown, "approximately August 2021" said.
  function dateOf(e) {
    var date = el("span", "date"), sep = el("span", "", " · ");
    sep.setAttribute("aria-hidden", "true");
    date.appendChild(sep);
    if (!e.ds) { date.appendChild(document.createTextNode(e.d)); return date; }
    var shown = el("span", "", e.d);
    shown.setAttribute("aria-hidden", "true");
    date.appendChild(shown);
    date.appendChild(el("span", "visually-hidden", e.ds));
    return date;
  }

  function show(query, upto) {
    var found = search(query), n = found.length;
    upto = upto || LIMIT;
    list.textContent = "";
    var terms = words(query);
    found.slice(0, upto).forEach(function (f) {
      var e = f[1], li = el("li", "result result-" + e.k), a = marked(el("a"), e.t, terms),
        meta = el("p", "meta");
      a.href = root + e.u;
      a.dir = "auto";
      meta.appendChild(el("span", "kind", e.k === "event" ? "Event" : "Article"));
      if (e.d) meta.appendChild(dateOf(e));
      li.appendChild(a);
      li.appendChild(meta);
      if (e.s) li.appendChild(marked(el("p", "snippet"), e.s, terms));
      list.appendChild(li);
    });
    status.textContent = !terms.length ? "" : !n ? "No results for \u201c" + query + "\u201d."
      : (found.partial ? "No result has every word; these have " + found[0][2] + " of "
        + terms.length + ". " : "")
        + n + " result" + (n === 1 ? "" : "s") + (n > upto ? ", the first " + upto + " shown" : "")
        + ". Press \u2193 to go through them.";
    more.hidden = n <= upto;
    more.textContent = "Show " + Math.min(LIMIT, n - upto) + " more";
    try {
      history.replaceState(null, "", query ? "?q=" + encodeURIComponent(query) : location.pathname);
    } catch (err) { /* file:// pages may refuse; the results still show */ }
  }

  input.addEventListener("input", function () { show(input.value); });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    show(input.value);
    var first = list.querySelector("a");
    if (first) first.focus();
  });
  // One listener: the live preview runs this script again when it updates the page.
  document.removeEventListener("keydown", window.timelineSearchKeys);
  window.timelineSearchKeys = function (ev) {
    var links = [].slice.call(list.querySelectorAll("a")),
      at = links.indexOf(document.activeElement);
    if (ev.key === "/" && !/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName)) {
      ev.preventDefault();
      input.focus();
      input.select();
    } else if (ev.key === "ArrowDown" && links.length && (at >= 0 || ev.target === input)) {
      ev.preventDefault();
      links[Math.min(at + 1, links.length - 1)].focus();
    } else if (ev.key === "ArrowUp" && at >= 0) {
      ev.preventDefault();
      (at ? links[at - 1] : input).focus();
    } else if (ev.key === "Escape" && at >= 0) {
      input.focus();
    }
  };
  document.addEventListener("keydown", window.timelineSearchKeys);
  var initial = new URLSearchParams(location.search).get("q");
  if (initial) {
    input.value = initial;
    show(initial);
  }
  input.focus();
})();
