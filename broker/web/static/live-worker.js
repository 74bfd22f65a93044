// One browser's live streams, shared by all its pages of this server (a SharedWorker).
//
// A browser keeps at most six connections to one server over HTTP/1.1; a page holding its own event
// stream would let six live pages starve the seventh. Here each stream path ("/events" for staff
// pages, "/tickets/events" for ticket pages) is ONE EventSource, asking for what all the open pages
// follow together (`?counter=1&counter=3`, `?ticket=…`); each page receives only the events it named.
// When the pages change, the new stream is opened first and the old one closed once the new one
// answers, so no change falls between them; the server replays the latest state of everything on
// connect, and a page that joins an open stream is sent the latest event of each name it follows.
//
// Pages tell the hub all they follow ("hello", again every 20 s) and say "bye" when they go; a page
// silent for three minutes is taken for gone (a hidden tab's timers may wait a minute), and comes
// back with its next hello. Where SharedWorker is missing, live.js runs this same hub inside the page.
"use strict";

const LIVE_PRUNE_MS = 180000;
const LIVE_RETRY_MS = [2000, 5000, 15000, 30000];
const LIVE_GATHER_MS = 150;

function LiveHub() {
  const pages = new Map();    // port -> { seen, follows: Map(id -> { stream, params, events }) }
  const streams = new Map();  // path -> { url, source, next, names, latest, state, failures, timer }

  function post(port, message) {
    try { port.postMessage(message); } catch (error) { pages.delete(port); }
  }

  function followers(path) {
    const found = [];
    for (const [port, page] of pages) {
      for (const [id, spec] of page.follows) if (spec.stream === path) found.push([port, id, spec]);
    }
    return found;
  }

  function dispatch(path, stream, name, data) {
    stream.latest.set(name, data);
    for (const [port, id, spec] of followers(path)) {
      if (spec.events.includes(name)) post(port, { kind: "event", id, name, data });
    }
  }

  function setState(path, stream, state) {
    stream.state = state;
    for (const [port, id] of followers(path)) post(port, { kind: "state", id, state });
  }

  function listen(path, stream, source) {
    for (const name of stream.names) {
      if (source.heard.has(name)) continue;
      source.heard.add(name);
      source.addEventListener(name, (e) => {
        if (stream.source === source) dispatch(path, stream, name, e.data);
      });
    }
  }

  function shut(source) { if (source) source.close(); }

  function connect(path, stream) {
    clearTimeout(stream.timer);
    shut(stream.next);
    const source = new EventSource(stream.url);
    source.heard = new Set();
    stream.next = source;
    listen(path, stream, source);
    source.onopen = () => {
      if (stream.next === source) {  // the new stream answers: the old one may go
        shut(stream.source);
        stream.source = source;
        stream.next = null;
      }
      stream.failures = 0;
      if (stream.source === source) setState(path, stream, "open");
    };
    source.onerror = () => failed(path, stream, source);
  }

  function failed(path, stream, source) {
    if (source !== stream.source && source !== stream.next) return;
    if (source.readyState !== EventSource.CLOSED) {  // the browser is reconnecting by itself
      if (source === stream.source) setState(path, stream, "connecting");
      return;
    }
    // Refused (too many phones, signed out, …): nothing flows; start over after a while.
    shut(stream.source); shut(stream.next);
    stream.source = stream.next = null;
    setState(path, stream, "closed");
    const wait = LIVE_RETRY_MS[Math.min(stream.failures, LIVE_RETRY_MS.length - 1)];
    stream.failures += 1;
    stream.timer = setTimeout(() => { if (streams.get(path) === stream) connect(path, stream); }, wait);
  }

  function refresh(path) {
    const specs = followers(path).map(([, , spec]) => spec);
    let stream = streams.get(path);
    if (!specs.length) {
      if (stream) {
        clearTimeout(stream.timer); clearTimeout(stream.asking);
        shut(stream.source); shut(stream.next);
      }
      streams.delete(path);
      return;
    }
    if (!stream) {
      stream = { url: null, source: null, next: null, names: new Set(), latest: new Map(),
        state: "starting", failures: 0, timer: null, asking: null };
      streams.set(path, stream);
    }
    const params = [...new Set(specs.flatMap((spec) => spec.params))].sort();
    stream.names = new Set(specs.flatMap((spec) => spec.events));
    const url = params.length ? `${path}?${params.join("&")}` : path;
    if (url !== stream.url) {
      stream.url = url;
      // Pages opening together (a browser restoring its tabs) are asked for in one new stream:
      // the server notices a stream left behind only at its next keepalive.
      if (!stream.asking) {
        stream.asking = setTimeout(() => {
          stream.asking = null;
          if (streams.get(path) === stream) connect(path, stream);
        }, LIVE_GATHER_MS);
      }
    } else {
      for (const source of [stream.source, stream.next]) if (source) listen(path, stream, source);
    }
  }

  // A page that starts following: where its stream stands, and the latest of what it follows.
  function greet(port, id, spec) {
    const stream = streams.get(spec.stream);
    if (!stream) return;
    if (stream.state !== "starting") post(port, { kind: "state", id, state: stream.state });
    for (const name of spec.events) {
      if (stream.latest.has(name)) post(port, { kind: "event", id, name, data: stream.latest.get(name) });
    }
  }

  function paths(page) {
    return page ? [...page.follows.values()].map((spec) => spec.stream) : [];
  }

  function receive(port, message) {
    const before = pages.get(port);
    if (message.kind === "bye") {
      pages.delete(port);
      for (const path of new Set(paths(before))) refresh(path);
      return;
    }
    const page = { seen: Date.now(), follows: new Map(Object.entries(message.follows || {})) };
    pages.set(port, page);
    post(port, { kind: "ack" });
    for (const path of new Set([...paths(before), ...paths(page)])) refresh(path);
    for (const [id, spec] of page.follows) {
      if (!before || !before.follows.has(id)) greet(port, id, spec);
    }
  }

  function prune() {
    const gone = [];
    for (const [port, page] of pages) {
      if (Date.now() - page.seen > LIVE_PRUNE_MS) { pages.delete(port); gone.push(...paths(page)); }
    }
    for (const path of new Set(gone)) refresh(path);
  }

  setInterval(prune, 30000);
  return { receive, streams };
}

if (typeof SharedWorkerGlobalScope !== "undefined" && self instanceof SharedWorkerGlobalScope) {
  const hub = LiveHub();
  self.onconnect = (e) => {
    const port = e.ports[0];
    port.onmessage = (m) => hub.receive(port, m.data);
    port.start();
  };
}
