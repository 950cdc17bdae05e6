// Live reload for `timeline serve`. The preview server injects this script into the HTML
// pages it serves; `timeline build` output never contains it.
//
// The page knows the build it came from (data-build). The server tells which build it serves
// now, and whether the newest attempt failed, as JSON states on a server-sent-event stream.
// A failed build shows its errors over the page until a good one comes. A build with
// warnings shows them in a small notice in a corner, which the reader may dismiss: it stays
// away until the warnings change, and goes by itself once they are fixed.
//
// A page from an older build updates in place: it fetches itself and the page's scripts,
// then, in one task (so no frame is painted without the scripts' enhancements), replaces
// <head>'s text and <body>, runs the page's scripts again and scrolls back to what the
// reader was looking at. A full navigation of a large timeline page costs several times
// more. When only CSS changed, it swaps its stylesheets; when the page's stylesheets or
// scripts are others (their names carry a fingerprint), or anything goes wrong, it reloads.
// Scroll is kept by anchor (an element's id and its offset in the viewport), not by pixels:
// the timeline's months are laid out lazily (content-visibility), so pixel offsets of a
// fresh page are estimates. Updates never interleave: a state that arrives during one is
// applied after it.
//
// Browsers allow about six connections per host, so one tab per browser holds the stream
// (the holder of a Web Lock) and relays each state to the other tabs on a BroadcastChannel;
// when that tab closes, the lock and the stream pass to another one.
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script || window.__timelineServe) return;
  window.__timelineServe = true;

  const EVENTS = script.dataset.events;
  const STATE = script.dataset.state;
  const SELF = new URL(script.src, location.href).pathname;
  const SCROLL_KEY = "timeline-serve-scroll:" + location.pathname;
  const OVERLAY_ID = "timeline-serve-errors";
  const NOTICE_ID = "timeline-serve-warnings";
  const DISMISSED_KEY = "timeline-serve-dismissed-warnings";
  const SWAP_PARAM = "timeline-serve";
  const CLASSIC_TYPES = ["", "text/javascript", "application/javascript"];
  // The preview's own boxes (the errors overlay, the warnings notice) follow the page's light
  // or dark scheme, and never print: a printed page is the site, not the preview. Both share
  // these properties; each takes its accent from one family (--error-*, --warn-*).
  const SCHEME_CSS = `
    :host { all: initial;
      --fg: #1c1917; --line: #a8a29e; --shadow: rgb(0 0 0 / 0.25);
      --error-bg: #fef2f2; --error-accent: #b91c1c; --error-edge: #dc2626;
      --warn-bg: #fffbeb; --warn-accent: #92400e; --warn-edge: #d97706; }
    @media (prefers-color-scheme: dark) {
      :host { --fg: #fafaf9; --line: #78716c; --shadow: rgb(0 0 0 / 0.45);
        --error-bg: #1c1b22; --error-accent: #ff9592; --error-edge: #e5484d;
        --warn-bg: #292524; --warn-accent: #fcd34d; --warn-edge: #f59e0b; }
    }
    @media print { :host { display: none; } }
    p { margin: 0 0 0.35rem; }
    ol { margin: 0; padding-left: 1.5rem; }
    li { font: 12.5px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
      white-space: pre-wrap; overflow-wrap: anywhere; }
    button { float: right; margin: 0 0 0.25rem 0.5rem; font: inherit; color: inherit;
      background: transparent; border: 1px solid var(--line); border-radius: 4px;
      padding: 0.1rem 0.6rem; cursor: pointer; }
    button:focus-visible { outline: 2px solid var(--edge); outline-offset: 2px; }
  `;
  // The errors overlay: across the bottom of the page, the errors being what to fix first.
  const OVERLAY_CSS = `
    :host { position: fixed; left: 0; right: 0; bottom: 0; z-index: 2147483647;
      --bg: var(--error-bg); --accent: var(--error-accent); --edge: var(--error-edge); }
    section { box-sizing: border-box; max-height: 60vh; overflow: auto; margin: 0;
      padding: 1rem 1.25rem; background: var(--bg); color: var(--fg);
      border-top: 4px solid var(--edge); font: 14px/1.45 system-ui, sans-serif;
      box-shadow: 0 -4px 16px var(--shadow); }
    h2 { margin: 0 0 0.25rem; font-size: 1.05rem; color: var(--accent); }
    p { margin-bottom: 0.5rem; }
    li { font-size: 13px; }
  `;
  // The warnings notice: a corner of the page, never over all of it.
  const NOTICE_CSS = `
    :host { position: fixed; right: 0.5rem; bottom: 0.5rem; z-index: 2147483646;
      width: min(32rem, calc(100vw - 1rem));
      --bg: var(--warn-bg); --accent: var(--warn-accent); --edge: var(--warn-edge); }
    @media (max-width: 40rem) { aside { max-height: 30vh; } }
    aside { box-sizing: border-box; max-height: 40vh; overflow: auto; padding: 0.6rem 0.9rem;
      background: var(--bg); color: var(--fg); border: 1px solid var(--line);
      border-left: 4px solid var(--edge); border-radius: 6px;
      font: 14px/1.45 system-ui, sans-serif; box-shadow: 0 2px 12px var(--shadow); }
    strong { color: var(--accent); }
  `;
  let build = script.dataset.build;
  let overlayShows = ""; // what the overlay lists (JSON), so that it is not redrawn for nothing
  let notice = null; // the warnings notice's host element, kept across in-place updates
  let noticeShows = ""; // the warnings it lists (JSON), so that it is not redrawn for nothing
  let dismissed = readDismissed(); // the warnings (JSON) dismissed in this tab, or null
  let reloading = false;
  let pending = null; // the newest state not yet applied
  let busy = false; // an update is in flight
  const leaving = new WeakSet(); // stylesheets being replaced by a swap, removed once it loads

  restoreSavedScroll();

  let streamed = -1; // the version of the newest state the stream brought (its own numbers)
  const channel = "BroadcastChannel" in window ? new BroadcastChannel("timeline-serve") : null;
  if (channel) channel.onmessage = (message) => applyStreamed(message.data);
  if (channel && navigator.locks) {
    // The lock is held for as long as this page lives: the promise never settles.
    navigator.locks.request("timeline-serve-stream", () => new Promise(() => listen(true)));
  } else {
    listen(false);
  }
  // The state as the page loads. Its answer can arrive after a newer state on the stream (a
  // build that failed meanwhile): it is taken only if no newer one has come.
  fetch(STATE, { cache: "no-store" })
    .then((response) => response.json())
    .then((state) => {
      if (!(state && state.version < streamed)) apply(state);
    })
    .catch(() => {});

  function listen(relay) {
    const source = new EventSource(EVENTS + "?build=" + encodeURIComponent(build));
    source.onmessage = (message) => {
      let state;
      try {
        state = JSON.parse(message.data);
      } catch {
        return;
      }
      if (relay) channel.postMessage(state);
      applyStreamed(state);
    };
  }

  function applyStreamed(state) {
    if (state && typeof state.version === "number") streamed = Math.max(streamed, state.version);
    apply(state);
  }

  // States come faster than a page can update: keep only the newest, and apply it once the
  // update in flight has finished, so two updates never interleave.
  function apply(state) {
    if (reloading || !state || typeof state.build !== "string") return;
    pending = state;
    if (!busy) drain();
  }

  async function drain() {
    busy = true;
    try {
      while (pending && !reloading) {
        const state = pending;
        pending = null;
        await settle(state);
      }
    } finally {
      busy = false;
    }
  }

  async function settle(state) {
    if (state.build !== build) {
      if (state.ok && state.kind === "css" && state.previous === build) {
        await swapStylesheets(state.build);
      } else {
        await update();
      }
    }
    // The overlay belongs to the build on screen; a newer one will come with its own state.
    if (!reloading && state.build === build) showState(state);
  }

  // A failed build's errors take the place of its warnings: they are what to fix first.
  function showState(state) {
    if (state.ok || !state.errors || state.errors.length === 0) {
      hideOverlay();
      showWarnings(Array.isArray(state.warnings) ? state.warnings.map(String) : []);
    } else {
      showWarnings([]);
      showOverlay(state.errors);
    }
  }

  // The page as the server has it now, and the source of each of its scripts, fetched
  // together; then everything that changes the screen happens in one go.
  async function update() {
    const started = performance.now();
    let fresh, sources;
    try {
      [fresh, sources] = await Promise.all([fetchPage(), fetchScripts(document)]);
    } catch {
      return reload();
    }
    const freshBuild = buildOf(fresh);
    if (reloading || freshBuild === build) return;
    if (!freshBuild || !sameAssets(document, fresh)) return reload();
    const anchor = scrollAnchor();
    try {
      swap(fresh, sources);
    } catch {
      return reload();
    }
    build = freshBuild;
    restoreAnchor(anchor);
    // Months off screen are laid out when they come near; correct once they have been.
    requestAnimationFrame(() => requestAnimationFrame(() => restoreAnchor(anchor)));
    const ms = (performance.now() - started).toFixed(1);
    console.debug(`timeline serve: page updated in place in ${ms} ms`);
  }

  async function fetchPage() {
    const response = await fetch(location.href, { cache: "no-store" });
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok || response.redirected || !type.startsWith("text/html")) {
      throw new Error("not this page");
    }
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    // The parser ran without scripting, so <noscript> holds elements; in a page with
    // scripting on it holds text, and its ids and classes must not join the page.
    for (const noscript of fresh.querySelectorAll("noscript")) {
      noscript.textContent = noscript.innerHTML;
    }
    return fresh;
  }

  // Sources by URL. The assets must be the same in the fresh page (else it reloads), so the
  // scripts of the page on screen are the ones to fetch, at the same time as the page.
  async function fetchScripts(doc) {
    const sources = new Map();
    const fetches = pageScripts(doc)
      .filter((el) => el.hasAttribute("src"))
      .map(async (el) => {
        const url = new URL(el.getAttribute("src"), location.href);
        if (url.origin !== location.origin) throw new Error("cross-origin script");
        const response = await fetch(url, { cache: "no-store" });
        if (!response.ok) throw new Error("script missing");
        sources.set(url.href, await response.text());
      });
    await Promise.all(fetches);
    return sources;
  }

  function buildOf(doc) {
    const tag = [...doc.querySelectorAll("script[src][data-build]")].find(isSelf);
    return tag ? tag.dataset.build : "";
  }

  function isSelf(el) {
    return el.localName === "script" && el.hasAttribute("src") && assetURL(el).pathname === SELF;
  }

  function isAsset(el) {
    return (
      (el.localName === "link" && /(^|\s)stylesheet(\s|$)/i.test(el.getAttribute("rel") || "")) ||
      (el.localName === "script" && el.hasAttribute("src"))
    );
  }

  // A stylesheet swapped in place carries the build in its query: the name is the same.
  function assetURL(el) {
    const url = new URL(el.getAttribute(el.localName === "link" ? "href" : "src"), location.href);
    url.searchParams.delete(SWAP_PARAM);
    return url;
  }

  function pageAssets(doc) {
    return [...doc.querySelectorAll("link, script[src]")].filter(
      (el) => isAsset(el) && !isSelf(el) && !leaving.has(el),
    );
  }

  function sameAssets(doc, fresh) {
    const keys = (d) =>
      pageAssets(d).map((el) => `${el.closest("head") ? "head" : "body"} ${assetURL(el).href}`);
    return keys(doc).join("\n") === keys(fresh).join("\n");
  }

  // Scripts to run, in document order: classic JavaScript only (JSON-LD and other data
  // blocks are not code). A module cannot run again synchronously, so it means a reload.
  function pageScripts(doc) {
    return [...doc.querySelectorAll("script")].filter((el) => {
      if (isSelf(el) || el.hasAttribute("nomodule")) return false;
      const type = (el.getAttribute("type") || "").trim().toLowerCase();
      if (type === "module") throw new Error("module script");
      return CLASSIC_TYPES.includes(type);
    });
  }

  // Everything here runs in one task, so the browser paints either the old page or the new
  // one with its scripts done, never a page in between.
  function swap(fresh, sources) {
    const focused = document.activeElement && document.activeElement.id;
    replaceHead(fresh.head);
    copyAttributes(fresh.documentElement, document.documentElement);
    const body = document.adoptNode(fresh.body);
    if (notice) body.append(notice); // the warnings stay until the new state says otherwise
    document.body.replaceWith(body);
    runScripts(sources);
    const again = focused && document.getElementById(focused);
    if (again) again.focus({ preventScroll: true });
  }

  // Title, description, canonical link…: the fresh ones where they changed. Nodes equal to
  // their fresh counterparts stay, so the viewport and colour-scheme metas are not read
  // again; stylesheets and scripts (equal to the fresh ones: checked before) always stay,
  // so nothing is fetched or re-applied. Nodes pair in order, never across an asset.
  function replaceHead(freshHead) {
    const head = document.head;
    const current = [...head.childNodes].filter((node) => !leaving.has(node));
    const wanted = [];
    let from = 0;
    for (const node of [...freshHead.childNodes]) {
      const at = pairIn(current, from, node);
      wanted.push(at < 0 ? node : current[at]);
      if (at >= 0) from = at + 1;
    }
    const kept = new Set(wanted);
    for (const node of current) if (!kept.has(node)) node.remove();
    let before = null;
    // Back to front, each fresh node goes just before the one that follows it.
    for (const node of wanted.reverse()) {
      if (node.ownerDocument !== document) head.insertBefore(document.adoptNode(node), before);
      before = node;
    }
  }

  // The index of the node in `nodes` (from `from` on) that stands for `fresh`, or -1.
  function pairIn(nodes, from, fresh) {
    for (let i = from; i < nodes.length; i++) {
      if (sameNode(nodes[i], fresh)) return i;
      if (isAssetNode(nodes[i])) break;
    }
    return -1;
  }

  function sameNode(node, fresh) {
    if (isAssetNode(node) || isAssetNode(fresh)) {
      return (
        isAssetNode(node) &&
        isAssetNode(fresh) &&
        node.localName === fresh.localName &&
        assetURL(node).href === assetURL(fresh).href
      );
    }
    return node.isEqualNode(fresh);
  }

  function isAssetNode(node) {
    return node.nodeType === Node.ELEMENT_NODE && isAsset(node);
  }

  function copyAttributes(from, to) {
    for (const { name } of [...to.attributes]) {
      if (!from.hasAttribute(name)) to.removeAttribute(name);
    }
    for (const { name, value } of from.attributes) to.setAttribute(name, value);
  }

  // Scripts from DOMParser never run, even once adopted; each runs as an inline copy placed
  // beside it, as the browser would have run it (all in order, as `defer` scripts are).
  function runScripts(sources) {
    for (const el of pageScripts(document)) {
      const run = document.createElement("script");
      if (el.hasAttribute("src")) {
        const url = assetURL(el).href;
        run.textContent = sources.get(url) + "\n//# sourceURL=" + url;
      } else {
        run.textContent = el.textContent;
      }
      el.after(run);
      run.remove();
    }
  }

  function reload() {
    reloading = true;
    try {
      sessionStorage.setItem(SCROLL_KEY, JSON.stringify(scrollAnchor()));
      // The browser's own restoration would put back pixels, after ours; see restoreSavedScroll.
      history.scrollRestoration = "manual";
    } catch {
      // storage may be disabled; the browser's own restoration still applies
    }
    location.reload();
  }

  function restoreSavedScroll() {
    let anchor = null;
    try {
      anchor = JSON.parse(sessionStorage.getItem(SCROLL_KEY));
      sessionStorage.removeItem(SCROLL_KEY);
    } catch {
      return;
    }
    if (!anchor || typeof anchor !== "object") return;
    const restore = () => restoreAnchor(anchor);
    restore();
    const settled = () => {
      restore();
      requestAnimationFrame(() => requestAnimationFrame(restore));
      history.scrollRestoration = "auto";
    };
    if (document.readyState === "complete") settled();
    else window.addEventListener("load", settled, { once: true });
  }

  // Where the reader is: the innermost element with an id under a point near the top of the
  // content, and how far from the viewport's top it is. Sticky and fixed boxes (the year
  // headings, the filter column, the overlay) are looked through: they stay put whatever the
  // content. The probe moves down until it finds an element holding no other ids (an event
  // rather than its month), keeping the first hit as the fallback.
  function scrollAnchor() {
    const anchor = { x: window.scrollX, y: window.scrollY, id: "", top: 0 };
    const element = anchorElement();
    if (element) {
      anchor.id = element.id;
      anchor.top = element.getBoundingClientRect().top;
    }
    return anchor;
  }

  function anchorElement() {
    const box = (document.querySelector("main") || document.body).getBoundingClientRect();
    const left = Math.max(box.left, 0);
    const width = Math.min(box.right, window.innerWidth) - left;
    const pinned = new Map();
    let first = null;
    for (let y = 8; y < window.innerHeight / 2; y += 16) {
      for (const x of [left + width / 3, left + (2 * width) / 3]) {
        const hit = document.elementsFromPoint(x, y).find((el) => !isPinned(el, pinned));
        const element = hit && hit.closest("[id]");
        if (!element || element === document.documentElement) continue;
        if (!element.querySelector("[id]")) return element;
        first = first || element;
      }
    }
    return first;
  }

  function isPinned(el, memo) {
    if (!el || el === document.body || el === document.documentElement) return false;
    if (!memo.has(el)) {
      const position = getComputedStyle(el).position;
      const own = position === "sticky" || position === "fixed";
      memo.set(el, own || isPinned(el.parentElement, memo));
    }
    return memo.get(el);
  }

  // The anchor's element back at its offset; without it (gone, or filtered out), the pixels.
  function restoreAnchor(anchor) {
    const element = anchor.id ? document.getElementById(anchor.id) : null;
    if (element && element.getClientRects().length > 0) {
      const by = element.getBoundingClientRect().top - anchor.top;
      if (Math.abs(by) >= 1) scrollToPoint(anchor.x, window.scrollY + by);
    } else if (typeof anchor.y === "number") {
      scrollToPoint(anchor.x, anchor.y);
    }
  }

  // Instant even where the theme asks for smooth scrolling: the reader must not see a move.
  function scrollToPoint(x, y) {
    window.scrollTo({ left: x, top: y, behavior: "instant" });
  }

  // Stylesheet names may carry a fingerprint, so the new names come from the new page.
  async function swapStylesheets(newBuild) {
    build = newBuild;
    try {
      const response = await fetch(location.href, { cache: "no-store" });
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      if (reloading) return;
      const wanted = [...fresh.querySelectorAll('link[rel~="stylesheet"]')];
      const current = [...document.querySelectorAll('link[rel~="stylesheet"]')].filter(
        (link) => !leaving.has(link),
      );
      if (wanted.length !== current.length) return reload();
      wanted.forEach((link, i) => {
        const url = new URL(link.getAttribute("href"), location.href);
        url.searchParams.set(SWAP_PARAM, newBuild);
        const replacement = current[i].cloneNode();
        replacement.href = url.href;
        leaving.add(current[i]);
        replacement.addEventListener("load", () => current[i].remove(), { once: true });
        replacement.addEventListener("error", reload, { once: true });
        current[i].after(replacement);
      });
    } catch {
      reload();
    }
  }

  function hideOverlay() {
    const host = document.getElementById(OVERLAY_ID);
    if (host) host.remove();
    overlayShows = "";
  }

  // Error text is untrusted: it is only ever set as textContent, never parsed as markup.
  // The same errors again (the stream repeats the state it connects to; another edit may
  // fail the same way) leave the overlay as it is: a redraw would take the keyboard focus
  // off its button and have a screen reader announce the alert again.
  function showOverlay(errors) {
    // The server's placeholder page has no build: nothing good to look at yet.
    const none = build === "";
    const key = JSON.stringify([none, errors.map(String)]);
    let host = document.getElementById(OVERLAY_ID);
    if (host && overlayShows === key) return;
    if (!host) {
      host = document.createElement("div");
      host.id = OVERLAY_ID;
      host.attachShadow({ mode: "open" });
      document.body.append(host);
    }
    const style = document.createElement("style");
    style.textContent = SCHEME_CSS + OVERLAY_CSS;
    const box = element("section", "", { role: "alert", "aria-labelledby": "title" });
    const title = element(
      "h2",
      none ? "The site does not build yet" : "The last change broke the build",
      { id: "title" },
    );
    const note = element(
      "p",
      none
        ? "Nothing has built yet. Fix the problems below and this page shows the site by itself."
        : "You are looking at the last good build. Fix the problems below and this page " +
            "updates by itself.",
    );
    const list = element("ol");
    for (const error of errors) list.append(element("li", String(error)));
    const hide = element("button", "Hide", { type: "button" });
    hide.addEventListener("click", () => host.remove());
    box.append(hide, title, note, list);
    host.shadowRoot.replaceChildren(style, box);
    overlayShows = key;
  }

  // Warning text is untrusted too: only ever textContent. The notice is redrawn only when
  // the warnings change, so a screen reader hears it once, not after every edit.
  function showWarnings(warnings) {
    const key = JSON.stringify(warnings);
    if (warnings.length === 0 && dismissed !== null) setDismissed(null);
    if (warnings.length === 0 || dismissed === key) return hideWarnings();
    if (notice && notice.isConnected && noticeShows === key) return;
    if (!notice) {
      notice = document.createElement("div");
      notice.id = NOTICE_ID;
      notice.attachShadow({ mode: "open" });
    }
    if (!notice.isConnected) document.body.append(notice);
    const style = document.createElement("style");
    style.textContent = SCHEME_CSS + NOTICE_CSS;
    const box = element("aside", "", { "aria-labelledby": "title" });
    const count = warnings.length === 1 ? "1 warning" : `${warnings.length} warnings`;
    const title = element("p", "", { id: "title", role: "status" });
    title.append(element("strong", `This build has ${count}`));
    const note = element("p", "The page is up to date; fix these and this goes by itself.");
    const list = element("ol");
    for (const warning of warnings) list.append(element("li", warning));
    const dismiss = element("button", "Dismiss", {
      type: "button",
      "aria-label": "Dismiss warnings",
    });
    dismiss.addEventListener("click", () => {
      setDismissed(key);
      hideWarnings();
    });
    box.append(dismiss, title, note, list);
    notice.shadowRoot.replaceChildren(style, box);
    noticeShows = key;
  }

  function hideWarnings() {
    if (notice) notice.remove();
    notice = null;
    noticeShows = "";
  }

  // The warnings (as JSON) the reader dismissed in this tab, kept across reloads too.
  function readDismissed() {
    try {
      return sessionStorage.getItem(DISMISSED_KEY);
    } catch {
      return null; // storage may be disabled: then dismissal lasts until the page reloads
    }
  }

  function setDismissed(key) {
    dismissed = key;
    try {
      if (key === null) sessionStorage.removeItem(DISMISSED_KEY);
      else sessionStorage.setItem(DISMISSED_KEY, key);
    } catch {
      // kept in memory only
    }
  }

  function element(name, text = "", attributes = {}) {
    const node = document.createElement(name);
    node.textContent = text;
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    return node;
  }
})();
