// Staff page: buttons post commands (a fresh command_id per press, so a double click is harmless
// for the queue: the broker answers a repeated id without running it again); SSE keeps it live.
"use strict";
(function () {
  const root = document.getElementById("counter");
  const counterId = root.dataset.counter;
  const services = root.dataset.services.split(",");
  const message = document.getElementById("message");
  let busy = false;

  function showState(state) {
    document.getElementById("number").textContent = state.ticket ? state.ticket.number : "—";
    const status = document.getElementById("status");
    status.dataset.status = state.status;
    status.textContent = window.COUNTER_STATUS[state.status] || state.status;
  }

  function showWaiting(hall) {
    for (const code of services) {
      const cell = document.querySelector(`[data-waiting="${code}"]`);
      if (cell) cell.textContent = hall.waiting[code] ?? 0;
    }
  }

  // crypto.randomUUID exists only on https or localhost; staff PCs on the LAN use plain http.
  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function say(text, isError) {
    message.textContent = text;
    message.classList.toggle("error", Boolean(isError));
  }

  async function send(action) {
    if (busy) return;  // one press at a time; the command_id makes a retry safe anyway
    busy = true;
    const args = action === "transfer"
      ? { service: document.getElementById("transfer-service").value } : {};
    const body = { command_id: newId(), action, args };
    try {
      const response = await fetch(root.dataset.api, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
      const reply = await response.json();
      if (reply.ok) {
        say(reply.ticket ? `Số ${reply.ticket.number}` : (action === "call_next" ? "Không còn ai chờ." : "Đã thực hiện."));
      } else {
        say(reply.detail || reply.error, true);
      }
    } catch (error) {
      say("Không kết nối được máy chủ. Vui lòng thử lại.", true);
    } finally {
      busy = false;
    }
  }

  for (const button of document.querySelectorAll("button[data-action]")) {
    button.addEventListener("click", () => send(button.dataset.action));
  }

  const events = new EventSource(root.dataset.events);
  events.addEventListener(`counter-${counterId}`, (e) => showState(JSON.parse(e.data)));
  events.addEventListener("hall", (e) => showWaiting(JSON.parse(e.data)));
  events.onerror = () => say("Mất kết nối, đang kết nối lại…", true);
  events.onopen = () => { if (message.classList.contains("error")) say(""); };
})();
