// A page's live updates, through the one stream its browser shares among all its pages of this
// server (live-worker.js, a SharedWorker), so any number of live pages stay live together. Where the
// browser has no SharedWorker (Chrome on Android before 2026), cannot start it, or its worker stops
// answering, the same hub runs inside the page: one stream per page, as before.
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
  const ANSWER_MS = 10000;
  const follows = new Map();  // id -> { spec, handlers }
  let nextId = 1;
  let mode = "shared";

  function deliver(message) {
    if (message.kind === "ack") { unanswered = null; return; }
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
      worker.port.onmessage = (e) => { if (port === worker.port) deliver(e.data); };
      worker.onerror = leaveWorker;  // the worker did not start
      worker.port.start();
      return worker.port;
    } catch (error) {
      return null;
    }
  }

  // A worker that does not answer a hello (it failed, or the system ended it) is left: the page
  // then streams by itself.
  function leaveWorker() {
    if (mode !== "shared") return;
    port = inPage();
    unanswered = null;
    hello();
  }

  function answered() {
    if (unanswered !== null && Date.now() - unanswered >= ANSWER_MS) leaveWorker();
  }

  let unanswered = null;  // when the oldest hello the worker has not acknowledged was sent
  let port = shared() || inPage();

  function hello() {
    const specs = {};
    for (const [id, found] of follows) specs[id] = found.spec;
    port.postMessage({ kind: "hello", follows: specs });
    if (mode === "shared" && unanswered === null) {
      unanswered = Date.now();
      setTimeout(answered, ANSWER_MS);
    }
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
