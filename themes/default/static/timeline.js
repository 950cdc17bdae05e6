/* Filters, search and order for the timeline page: progressive enhancement only.
 *
 * Without this script every event is listed, oldest first, and the taxonomy pages filter
 * by links. With it, the facet form (#filters) narrows the events in the page by each
 * <li class="event">'s data-* (term slugs per facet, years, importance); counts beside each
 * value say how many a click would show. The state lives in the URL query (?q=…&country=tj
 * &from=2022&sort=desc), so a view can be shared and reloaded. A timeline split into
 * periods counts each period's matches from filters.json (terms and years of every event),
 * and its period links keep the filters. The jump-to-year list counts what they leave. */
(function () {
  'use strict';
  var doc = document;
  doc.documentElement.classList.add('js');
  /* The chart's bars are one Tab stop, not one each before the filters: arrows, Home and
   * End move between them (a roving tabindex). */
  var bars = [].slice.call(doc.querySelectorAll('.chart a'));
  bars.forEach(function (a, i) {
    a.tabIndex = i ? -1 : 0;
    a.onfocus = function () { bars.forEach(function (b) { b.tabIndex = b === a ? 0 : -1; }); };
    a.onkeydown = function (e) {
      var to = bars[{ ArrowLeft: i - 1, ArrowUp: i - 1, ArrowRight: i + 1, ArrowDown: i + 1, Home: 0, End: bars.length - 1 }[e.key]];
      if (to && !e.altKey) { e.preventDefault(); to.focus(); }
    };
  });
  var form = doc.getElementById('filters');
  var lists = [].slice.call(doc.querySelectorAll('[data-timeline]'));
  if (!form || !lists.length) return;

  var FACETS = ['category', 'country', 'actor', 'tag'];
  var toolbar = doc.getElementById('toolbar');
  var status = doc.getElementById('status');
  var noMatch = doc.getElementById('no-match');
  var toggle = toolbar && toolbar.querySelector('.filters-toggle');
  var order = 'asc';

  /* As search.js: accents and Hebrew and Arabic vowel points dropped, other marks kept. */
  function norm(text) {
    return (text || '').normalize('NFKD')
      .replace(/[\u0300-\u036f\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7\u064b-\u065f\u0670]/g, '')
      .toLowerCase().replace(/[^\p{L}\p{N}\p{M}]+/gu, ' ').trim();
  }
  function words(value) { return value ? value.split(' ') : []; }
  function text(li, selector) {
    return [].map.call(li.querySelectorAll(selector), function (el) { return el.textContent; }).join(' ');
  }

  var items = [].slice.call(doc.querySelectorAll('li.event')).map(function (li) {
    var d = li.dataset;
    var item = {
      li: li,
      from: d.from ? +d.from : -Infinity,
      to: d.to ? +d.to : Infinity,
      imp: +d.imp || 1,
      text: null
    };
    FACETS.forEach(function (f) { item[f] = words(d[f]); });
    return item;
  });

  /* The state, read from the form (the URL is written from it). */
  function readForm() {
    var data = new FormData(form);
    var state = {
      q: norm(data.get('q')),
      from: chosenYear(data.get('from')),
      to: chosenYear(data.get('to')),
      major: data.get('major') === '1'
    };
    FACETS.forEach(function (f) { state[f] = data.getAll(f); });
    return state;
  }

  /* A year of the years filter, or null for "any": year 0 (1 BCE) is a year like any other. */
  function chosenYear(value) { return value ? +value : null; }

  function writeForm(params) {
    form.elements.q.value = params.get('q') || '';
    ['from', 'to'].forEach(function (name) {
      var select = form.elements[name];
      if (select) select.value = params.get(name) || '';
      if (select && select.selectedIndex < 0) select.value = '';
    });
    var wanted = {};
    FACETS.forEach(function (f) {
      params.getAll(f).join(',').toLowerCase().split(',').forEach(function (v) { wanted[f + '=' + v] = 1; });
    });
    [].forEach.call(form.querySelectorAll('input[type=checkbox]'), function (box) {
      box.checked = !!wanted[box.name + '=' + box.value] || (box.name === 'major' && params.get('major') === '1');
    });
  }

  function toQuery(state) {
    var params = new URLSearchParams();
    var raw = form.elements.q.value.trim();
    if (raw) params.set('q', raw);
    FACETS.forEach(function (f) { state[f].forEach(function (v) { params.append(f, v); }); });
    if (state.from !== null) params.set('from', state.from);
    if (state.to !== null) params.set('to', state.to);
    if (state.major) params.set('major', '1');
    if (order === 'desc') params.set('sort', 'desc');
    var query = params.toString();
    return query ? '?' + query : '';
  }

  /* Which facets an event fails (null: fails search, years or importance, so no facet counts it). */
  function failures(item, state, terms) {
    if (state.from !== null && item.to < state.from) return null;
    if (state.to !== null && item.from > state.to) return null;
    if (state.major && item.imp < 3) return null;
    /* Normalised on the first search, not on load: most visits never search. */
    if (terms.length && item.text == null) {
      item.text = ' ' + norm(text(item.li, '.event-title, .summary, .actors, .meta'));
    }
    for (var i = 0; i < terms.length; i++) {
      if (item.text.indexOf(' ' + terms[i]) < 0) return null;
    }
    return FACETS.filter(function (f) {
      var chosen = state[f];
      return chosen.length && !item[f].some(function (v) { return chosen.indexOf(v) >= 0; });
    });
  }

  function apply() {
    var state = readForm();
    var terms = words(state.q);
    var counts = {};
    var shown = 0;
    FACETS.forEach(function (f) { counts[f] = {}; });
    items.forEach(function (item) {
      var failed = failures(item, state, terms);
      var visible = !!failed && !failed.length;
      item.li.hidden = !visible;
      item.shown = visible;
      if (visible) shown++;
      if (!failed || failed.length > 1) return;
      FACETS.forEach(function (f) {
        if (failed.length && failed[0] !== f) return;
        item[f].forEach(function (v) { counts[f][v] = (counts[f][v] || 0) + 1; });
      });
    });
    updateCounts(counts);
    updateGroups();
    var active = terms.length + (state.from !== null) + (state.to !== null) + (state.major ? 1 : 0);
    FACETS.forEach(function (f) { active += state[f].length; });
    updateJumps(state, active > terms.length);
    var total = items.length;
    status.textContent = active
      ? 'Showing ' + shown + ' of ' + total + ' event' + (total === 1 ? '' : 's') + (nav ? ' in this period' : '')
      : total + ' event' + (total === 1 ? '' : 's');
    if (toggle) toggle.querySelector('.n').textContent = active ? '(' + active + ')' : '';
    if (now) { now.textContent = described(state); now.hidden = !active; }
    noMatch.hidden = shown > 0;
    periodCounts(state, active - terms.length, shown);
    history.replaceState(history.state, '', location.pathname + toQuery(state) + location.hash);
  }

  /* The filters in words, for a folded form or a printed page ("Country: Tajikistan or
   * Uzbekistan · Major events only"); text only, as the URL sets them. */
  var now = doc.getElementById('filters-now');
  function described(state) {
    var raw = form.elements.q.value.trim(), parts = raw ? ['Search: “' + raw + '”'] : [];
    var y = [].map.call(form.querySelectorAll('select'), function (s) { return s.value && s.selectedOptions[0].text; });
    if (y[0] || y[1]) parts.push('Years:' + (y[0] ? ' from ' + y[0] : '') + (y[1] ? ' to ' + y[1] : ''));
    if (state.major) parts.push('Major events only');
    [].forEach.call(form.querySelectorAll('.facet'), function (box) {
      var on = [].map.call(box.querySelectorAll(':checked'), function (input) {
        return input.closest('label').querySelector('.cat, [dir]').textContent;
      });
      if (on.length) parts.push(box.dataset.name + ': ' + on.join(' or '));
    });
    return parts.join(' · ');
  }

  /* Matches per period of a split timeline, counted in filters.json (fetched on first use).
   * filters.json holds each event's terms, years and importance, not its words: the text
   * search can only look at the events of the page shown, so with a query the counts leave
   * it out, and the reader is offered the search page, which looks at every period. */
  var nav = doc.querySelector('[data-periods]');
  var all;
  var elsewhere = doc.createElement('span');
  if (nav) noMatch.insertBefore(elsewhere, noMatch.querySelector('[data-clear]'));
  var current = nav && nav.querySelector('a[aria-current=page]');
  if (current) {  /* a narrow screen shows the periods in one row: start it at this page's */
    var row = current.closest('ol');
    row.scrollLeft += current.getBoundingClientRect().left - row.getBoundingClientRect().left - 16;
  }
  function periodCounts(state, active, shown) {
    if (!nav) return;
    var links = doc.querySelectorAll('a[data-period], .period-steps a');
    var query = toQuery(state);
    [].forEach.call(links, function (a) { a.search = query; });
    var note = nav.querySelector('[data-period-matches]');
    var raw = form.elements.q.value.trim();
    note.hidden = !active && !raw;
    elsewhere.replaceChildren();
    note.textContent = 'Counting matches in all periods…';
    if (active && !all) {
      all = [];
      fetch(nav.dataset.filters).then(function (r) { return r.json(); }).then(function (data) {
        all = readFilters(data);
        apply();
      }).catch(function () { note.textContent = 'Matches in other periods could not be counted.'; });
    }
    if (active && !all.length) return;
    var counts = [], sum = 0;
    if (active) all.forEach(function (item) {
      var failed = failures(item, state, []);
      if (failed && !failed.length) { counts[item.p] = (counts[item.p] || 0) + 1; sum++; }
    });
    [].forEach.call(nav.querySelectorAll('a[data-period]'), function (a) {
      var n = a.querySelector('.n');
      n.dataset.all = n.dataset.all || n.textContent;
      n.textContent = active ? counts[a.dataset.period] || 0 : n.dataset.all;
      a.classList.toggle('zero', active && !counts[a.dataset.period]);
    });
    note.replaceChildren();
    if (active) {
      note.append(sum + ' event' + (sum === 1 ? '' : 's') + ' match' + (raw ? ' the other filters' : '') +
        ' in all periods; the numbers say how many in each. ');
    }
    if (raw) {
      note.append('The text search looks at this page only: ', searchLink(raw), '.');
      if (!shown) elsewhere.append(searchLink(raw, true), '. ');
    } else if (!shown && sum) {
      elsewhere.append('Nearest matches: ');
      nearest(counts).forEach(function (a, i) {
        var link = doc.createElement('a');
        link.href = a.href;
        link.textContent = periodLabel(a) + ' (' + counts[a.dataset.period] + ')';
        elsewhere.append(i ? ', ' : '', link);
      });
      elsewhere.append('. ');
    }
  }
  /* A link to the search page for the same words. */
  function searchLink(raw, capital) {
    var a = doc.createElement('a');
    a.href = nav.dataset.search + '?q=' + encodeURIComponent(raw);
    a.textContent = (capital ? 'S' : 's') + 'earch all periods for “' + raw + '”';
    return a;
  }
  /* The closest period before this page's and the closest after it with any match. */
  function nearest(counts) {
    var here = +nav.dataset.periods, before = null, after = null;
    [].forEach.call(nav.querySelectorAll('a[data-period]'), function (a) {
      var i = +a.dataset.period;
      if (!counts[i]) return;
      if (i < here) before = a;
      else if (i > here && !after) after = a;
    });
    return [before, after].filter(Boolean);
  }
  function periodLabel(a) {
    return [].filter.call(a.childNodes, function (node) { return node.nodeType === 3; })
      .map(function (node) { return node.textContent; }).join('').trim();
  }
  function readFilters(data) {
    var p = 0, left = data.periods[0];
    return data.events.map(function (row) {
      while (!left) left = data.periods[++p];
      left--;
      var item = { p: p, from: row[0] === null ? -Infinity : row[0], to: row[1] === null ? Infinity : row[1], imp: row[2] };
      FACETS.forEach(function (f, i) {
        item[f] = [].concat(row[3 + i]).map(function (k) { return data.terms[f][k]; });
      });
      return item;
    });
  }

  function updateCounts(counts) {
    [].forEach.call(form.querySelectorAll('.facet'), function (box) {
      var f = box.dataset.facet;
      var selected = 0;
      [].forEach.call(box.querySelectorAll('input'), function (input) {
        var n = counts[f][input.value] || 0;
        var label = input.closest('label');
        label.querySelector('.n').textContent = n;
        label.classList.toggle('zero', !n && !input.checked);
        if (input.checked) selected++;
      });
      box.querySelector('[data-selected]').textContent = selected ? '(' + selected + ' selected)' : '';
    });
  }

  /* The jump list's entries take the timeline's events in order, each as many as its number
   * says unfiltered: a year's decades and centuries, then its own events (builder/years.py).
   * Other periods' events count as in filters.json, without the words, as the periods' numbers
   * do; until that is at hand, an entry reaching them keeps its total. */
  var jumps = [].map.call(doc.querySelectorAll('.years-nav .n'), function (n) { return [n, +n.textContent]; });
  var start;  /* where this page's events start in the timeline; -1: a theme's own jump list */
  function sum(list) { return list.reduce(function (a, b) { return a + b; }, 0); }
  function updateJumps(state, others) {
    if (start === undefined) {
      var sizes = nav ? [].map.call(nav.querySelectorAll('a[data-period] .n'), function (n) {
        return +(n.dataset.all || n.textContent);
      }) : [items.length];
      var here = nav ? +nav.dataset.periods : 0;
      var fits = sum(jumps.map(function (j) { return j[1]; })) === sum(sizes) && sizes[here] === items.length;
      start = fits ? sum(sizes.slice(0, here)) : -1;
    }
    var i = 0;
    if (start >= 0) jumps.forEach(function (j) {
      var n = 0, known = true;
      for (var end = i + j[1]; i < end; i++) {
        var item = items[i - start], failed;
        if (item) n += item.shown;
        else if (!others) n++;
        else if (all && all.length) n += !!(failed = failures(all[i], state, [])) && !failed.length;
        else known = false;
      }
      j[0].textContent = known ? n : j[1];
      j[0].closest('li').hidden = known && !n;
    });
  }

  function updateGroups() {
    [].forEach.call(doc.querySelectorAll('[data-timeline] .month'), function (month) {
      month.hidden = !month.querySelector('li.event:not([hidden])');
    });
    [].forEach.call(doc.querySelectorAll('[data-timeline] .year'), function (year) {
      year.hidden = !year.querySelector('.month:not([hidden])');
    });
  }

  /* Newest first is the same DOM in reverse: years, months in a year, events in a month. */
  function reverseChildren(parent, selector) {
    var children = [].filter.call(parent.children, function (el) { return el.matches(selector); });
    children.reverse().forEach(function (el) { parent.appendChild(el); });
  }
  function setOrder(value) {
    if (value === order) return;
    order = value;
    lists.forEach(function (list) {
      reverseChildren(list, '.year');
      [].forEach.call(list.querySelectorAll('.year'), function (y) { reverseChildren(y, '.month'); });
      [].forEach.call(list.querySelectorAll('ol.events'), function (ol) { reverseChildren(ol, 'li'); });
    });
  }

  function clearAll() {
    writeForm(new URLSearchParams());
    apply();
    form.elements.q.focus();
  }

  var params = new URLSearchParams(location.search);
  writeForm(params);
  var sortInputs = toolbar ? toolbar.querySelectorAll('input[name=sort]') : [];
  [].forEach.call(sortInputs, function (input) {
    input.checked = input.value === (params.get('sort') === 'desc' ? 'desc' : 'asc');
    input.addEventListener('change', function () { setOrder(input.value); apply(); });
  });
  setOrder(params.get('sort') === 'desc' ? 'desc' : 'asc');
  [].forEach.call(form.querySelectorAll('.facet'), function (box) {
    if (box.querySelector('input:checked')) box.open = true;
  });

  form.addEventListener('input', apply);
  form.addEventListener('change', apply);
  form.addEventListener('submit', function (e) { e.preventDefault(); apply(); });
  [].forEach.call(doc.querySelectorAll('[data-clear]'), function (button) {
    button.addEventListener('click', clearAll);
  });
  /* Past the chart's bars to the filters, opening them where a narrow screen folds them. */
  var skip = doc.querySelector('.skip-filters');
  if (skip) skip.addEventListener('click', function (e) {
    e.preventDefault();
    if (toggle && !form.classList.contains('open') && toggle.offsetParent) toggle.click();
    else form.elements.q.focus();
  });
  if (toggle) {
    toggle.addEventListener('click', function () {
      var open = form.classList.toggle('open');
      toggle.setAttribute('aria-expanded', String(open));
      if (open) form.elements.q.focus();
    });
  }
  form.hidden = false;
  if (toolbar) toolbar.hidden = false;
  apply();
  if (location.hash.length > 1) {
    var target = doc.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target && !target.closest('[hidden]')) target.scrollIntoView();
  }
})();
