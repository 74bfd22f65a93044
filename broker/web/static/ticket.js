// A citizen's ticket page: live through the event stream the browser shares among its ticket pages
// (live.js; the page never reloads), a sound and a vibration when the ticket is called, and nothing
// more once the ticket is finished. With too many phones on the stream the server answers 503: the
// page then asks for its view now and then, until the stream takes it again.
"use strict";
(function () {
  const box = document.getElementById("ticket");
  const POLL_MS = 20000;
  let status = box.dataset.status;
  let pollTimer = null;

  function show(id, text) {
    const node = document.getElementById(id);
    node.hidden = !text;
    node.textContent = text;
  }

  function alertCalled() {
    box.dataset.alerted = "1";
    if (navigator.vibrate) navigator.vibrate([400, 150, 400, 150, 400]);
    try {
      const audio = new (window.AudioContext || window.webkitAudioContext)();
      [0, 0.35].forEach((at, i) => {
        const tone = audio.createOscillator();
        tone.frequency.value = i ? 523 : 659;
        tone.connect(audio.destination);
        tone.start(audio.currentTime + at);
        tone.stop(audio.currentTime + at + 0.3);
      });
    } catch (e) { /* a phone that refuses sound still vibrates and shows the counter */ }
  }

  function render(view) {
    if (view.status === "called" && status !== "called") alertCalled();
    status = view.status;
    box.dataset.status = view.status;
    show("label", view.label);
    show("called-to", view.called_to);
    show("service", view.service);
    show("moved", view.moved);
    show("ahead", view.ahead);
    show("wait", view.wait);
    show("note", view.note);
    if (view.finished) {
      show("hint", view.finished_text);
      stop();
    }
  }

  function stop() {
    if (window.ticketStream) window.ticketStream.stop();
    clearInterval(pollTimer);
    box.dataset.live = "stopped";
  }

  function poll() {
    fetch(box.dataset.json).then(r => r.json()).then(v => v && render(v)).catch(() => {});
  }

  function connect() {
    const ticket = box.dataset.ticket;
    window.ticketStream = window.Live.follow({
      stream: box.dataset.events, params: [`ticket=${encodeURIComponent(ticket)}`],
      events: [`ticket-${ticket}`],
    }, {
      event: (name, view) => render(view),
      state(state) {
        if (box.dataset.live === "stopped") return;
        if (state === "open") {
          box.dataset.live = "stream";
          clearInterval(pollTimer);
          pollTimer = null;
        } else if (state === "closed" && !pollTimer) {
          box.dataset.live = "polling";  // refused (too many phones): ask now and then instead
          pollTimer = setInterval(poll, POLL_MS);
        }
      },
    });
  }

  if (box.dataset.status === "done" || box.dataset.status === "no_show"
      || box.dataset.status === "cancelled") {
    box.dataset.live = "stopped";
  } else {
    connect();
  }
})();
