// A page's live updates, through the one stream its browser shares among all its pages of this
// server (live-worker.js, a SharedWorker), so any number of live pages stay live together. Where the
// browser has no SharedWorker (Chrome on Android before 2026) or cannot start it, the same hub runs
// inside the page: one stream per page, as before.
//
//   const following = Live.follow({ stream: "/events", params: ["counter=3"],
//                                   events: ["counter-3", "hall"] },
//                                 { event(name, data) {…}, state(state) {…} });
//   following.stop();
//
// `state` is "open", "connecting" (the stream dropped and is being retried) or "closed" (the server
// refused it, e.g. too many phones; it is tried again now and then); nothing is said while a new
// stream is first being opened.
"use strict";
window.Live = (function () {
  const WORKER_URL = document.currentScript.dataset.worker;
  const HELLO_MS = 20000;
  const follows = new Map();  // id -> { spec, handlers }
  let nextId = 1;
  let mode = "shared";

  function deliver(message) {
    const found = follows.get(message.id);
    if (!found) return;
    if (message.kind === "event") found.handlers.event(message.name, JSON.parse(message.data));
    else if (found.handlers.state) found.handlers.state(message.state);
  }

  function inPage() {
    mode = "page";
    const hub = LiveHub();
    const me = { postMessage: (message) => setTimeout(() => deliver(message)) };
    return { postMessage: (message) => hub.receive(me, message) };
  }

  function shared() {
    if (typeof SharedWorker !== "function" || !WORKER_URL) return null;
    try {
      const worker = new SharedWorker(WORKER_URL, { name: "xephang-live" });
      worker.port.onmessage = (e) => deliver(e.data);
      worker.onerror = () => { port = inPage(); hello(); };  // the worker did not start
      worker.port.start();
      return worker.port;
    } catch (error) {
      return null;
    }
  }

  let port = shared() || inPage();

  function hello() {
    const specs = {};
    for (const [id, found] of follows) specs[id] = found.spec;
    port.postMessage({ kind: "hello", follows: specs });
  }

  setInterval(hello, HELLO_MS);
  window.addEventListener("pagehide", () => port.postMessage({ kind: "bye" }));
  window.addEventListener("pageshow", (e) => { if (e.persisted) hello(); });

  function follow(spec, handlers) {
    const id = String(nextId++);
    follows.set(id, { spec, handlers });
    hello();
    return { stop() { if (follows.delete(id)) hello(); } };
  }

  return { follow, following: () => follows.size, mode: () => mode };
})();
