// Live reload for `timeline serve`. The preview server injects this script into the HTML
// pages it serves; `timeline build` output never contains it.
//
// The page knows the build it came from (data-build). The server tells which build it serves
// now, and whether the newest attempt failed, as JSON states on a server-sent-event stream.
// A page from an older build reloads (keeping its scroll position), or swaps its stylesheets
// when only CSS changed; a failed build shows its errors over the page until a good one comes.
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
  const SCROLL_KEY = "timeline-serve-scroll:" + location.pathname;
  const OVERLAY_ID = "timeline-serve-errors";
  const OVERLAY_CSS = `
    :host { all: initial; position: fixed; left: 0; right: 0; bottom: 0; z-index: 2147483647; }
    section { box-sizing: border-box; max-height: 60vh; overflow: auto; margin: 0;
      padding: 1rem 1.25rem; background: #1c1b22; color: #f4f4f5;
      border-top: 4px solid #e5484d; font: 14px/1.45 system-ui, sans-serif;
      box-shadow: 0 -4px 16px rgb(0 0 0 / 0.35); }
    h2 { margin: 0 0 0.25rem; font-size: 1.05rem; color: #ff9592; }
    p { margin: 0 0 0.5rem; }
    ol { margin: 0; padding-left: 1.5rem; }
    li { font: 13px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
      white-space: pre-wrap; overflow-wrap: anywhere; }
    button { float: right; font: inherit; color: inherit; background: transparent;
      border: 1px solid #71717a; border-radius: 4px; padding: 0.1rem 0.6rem; cursor: pointer; }
  `;
  let build = script.dataset.build;
  let reloading = false;
  let swaps = 0;

  restoreScroll();

  const channel = "BroadcastChannel" in window ? new BroadcastChannel("timeline-serve") : null;
  if (channel) channel.onmessage = (message) => apply(message.data);
  if (channel && navigator.locks) {
    // The lock is held for as long as this page lives: the promise never settles.
    navigator.locks.request("timeline-serve-stream", () => new Promise(() => listen(true)));
  } else {
    listen(false);
  }
  fetch(STATE, { cache: "no-store" })
    .then((response) => response.json())
    .then(apply)
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
      apply(state);
    };
  }

  function apply(state) {
    if (reloading || !state || typeof state.build !== "string") return;
    if (state.build !== build) {
      if (state.ok && state.kind === "css" && state.previous === build) {
        swapStylesheets(state.build);
      } else {
        reload();
      }
      return;
    }
    if (state.ok || !state.errors || state.errors.length === 0) {
      hideOverlay();
    } else {
      showOverlay(state.errors);
    }
  }

  function reload() {
    reloading = true;
    try {
      sessionStorage.setItem(SCROLL_KEY, JSON.stringify([window.scrollX, window.scrollY]));
    } catch {
      // storage may be disabled; the browser's own restoration still applies
    }
    location.reload();
  }

  function restoreScroll() {
    let saved = null;
    try {
      saved = JSON.parse(sessionStorage.getItem(SCROLL_KEY));
      sessionStorage.removeItem(SCROLL_KEY);
    } catch {
      return;
    }
    if (!Array.isArray(saved)) return;
    const scroll = () => window.scrollTo(saved[0], saved[1]);
    scroll();
    if (document.readyState !== "complete") {
      window.addEventListener("load", scroll, { once: true });
    }
  }

  // Stylesheet names may carry a fingerprint, so the new names come from the new page.
  async function swapStylesheets(newBuild) {
    const swap = ++swaps;
    build = newBuild;
    try {
      const response = await fetch(location.href, { cache: "no-store" });
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      if (swap !== swaps || reloading) return;
      const wanted = [...fresh.querySelectorAll('link[rel~="stylesheet"]')];
      const current = [...document.querySelectorAll('link[rel~="stylesheet"]')];
      if (wanted.length !== current.length) return reload();
      wanted.forEach((link, i) => {
        const url = new URL(link.getAttribute("href"), location.href);
        url.searchParams.set("timeline-serve", newBuild);
        const replacement = current[i].cloneNode();
        replacement.href = url.href;
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
  }

  // Error text is untrusted: it is only ever set as textContent, never parsed as markup.
  function showOverlay(errors) {
    let host = document.getElementById(OVERLAY_ID);
    if (!host) {
      host = document.createElement("div");
      host.id = OVERLAY_ID;
      host.attachShadow({ mode: "open" });
      document.body.append(host);
    }
    const style = document.createElement("style");
    style.textContent = OVERLAY_CSS;
    const box = element("section", "", { role: "alert", "aria-labelledby": "title" });
    const title = element("h2", "The last change broke the build", { id: "title" });
    const note = element(
      "p",
      "You are looking at the last good build. Fix the problems below and this page " +
        "updates by itself.",
    );
    const list = element("ol");
    for (const error of errors) list.append(element("li", String(error)));
    const hide = element("button", "Hide", { type: "button" });
    hide.addEventListener("click", () => host.remove());
    box.append(hide, title, note, list);
    host.shadowRoot.replaceChildren(style, box);
  }

  function element(name, text = "", attributes = {}) {
    const node = document.createElement(name);
    node.textContent = text;
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    return node;
  }
})();
