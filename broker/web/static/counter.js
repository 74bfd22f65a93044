// Staff page: buttons and keyboard shortcuts post commands (a fresh command_id per press, so a
// double press is harmless: the broker answers a repeated id without running it again), with the
// session's CSRF token; server-sent events (shared with the browser's other pages, live.js) keep the
// page live, and the waiting lines are refreshed.
"use strict";
(function () {
  const root = document.getElementById("counter");
  const counterId = root.dataset.counter;
  const message = document.getElementById("message");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  let latest = null;  // the last press taken ({key, done}), until the page shows its result

  function showState(state) {
    document.getElementById("number").textContent = state.ticket ? state.ticket.number : "—";
    const status = document.getElementById("status");
    status.dataset.status = state.status;
    status.textContent = window.COUNTER_STATUS[state.status] || state.status;
    // The hall said this call: the citizen has heard it (announced_at, from the hall display).
    document.getElementById("heard").hidden = !(state.ticket && state.announced_at);
    // A manager closed the counter while a citizen is here: it closes after them, calls nobody new.
    document.getElementById("closing").hidden = !state.closing;
    root.classList.toggle("closing", !!state.closing);
  }

  function cell(text) {
    const td = document.createElement("td");
    td.textContent = text;
    return td;
  }

  function showCurrent(current) {
    const box = document.getElementById("current");
    box.replaceChildren();
    if (!current) return;
    const rows = [["Dịch vụ", current.service], ["Ưu tiên", current.priority || "Không"],
      ["Đã chờ", `${current.waited_min} phút`]];
    if (current.flags.length) rows.push(["Ghi chú", current.flags.join(" · ")]);
    for (const [term, value] of rows) {
      const dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = term; dd.textContent = value;
      box.append(dt, dd);
    }
  }

  function showLines(lines) {
    const body = document.querySelector("#lines tbody");
    body.replaceChildren();
    for (const line of lines) {
      const row = document.createElement("tr");
      row.dataset.line = line.code;
      row.append(cell(line.name), cell(line.waiting), cell(line.oldest_min));
      body.append(row);
    }
  }

  function showWaiting(tickets) {
    const body = document.querySelector("#waiting-list tbody");
    body.replaceChildren();
    for (const t of tickets) {
      const row = document.createElement("tr");
      row.dataset.number = t.number;
      const call = document.createElement("button");
      call.textContent = "Gọi số này";
      call.dataset.call = t.id;
      const action = document.createElement("td");
      action.append(call);
      row.append(cell(t.number), cell(t.service), cell(t.priority), cell(t.flags.join(" · ")),
        cell(t.waited_min), action);
      body.append(row);
    }
    if (!tickets.length) {
      const row = document.createElement("tr");
      const none = cell("Không có ai chờ.");
      none.colSpan = 6;
      row.append(none);
      body.append(row);
    }
  }

  function showQueue(queue) {
    document.getElementById("waiting-total").textContent = queue.total;
    showLines(queue.lines);
    showWaiting(queue.tickets);
    showCurrent(queue.current);
    const list = document.getElementById("returning");
    list.replaceChildren();
    for (const t of queue.returning) {
      const item = document.createElement("li");
      item.textContent = `${t.number} · ${t.service} `;
      const back = document.createElement("button");
      back.textContent = "Đã quay lại";
      back.dataset.back = t.id;
      item.append(back);
      list.append(item);
    }
    if (!queue.returning.length) list.innerHTML = '<li class="none">Không có.</li>';
  }

  async function refreshQueue() {
    try {
      const response = await fetch(root.dataset.queue, { headers: { Accept: "application/json" } });
      if (response.status === 401) { location.reload(); return; }
      if (response.ok) showQueue(await response.json());
    } catch (error) { /* the next refresh will try again */ }
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

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    });
    if (response.status === 401) { say("Phiên đăng nhập đã hết hạn. Đang chuyển đến trang đăng nhập…", true); location.reload(); }
    return response.json();
  }

  // A press's arguments, read when it is pressed (a press waiting its turn keeps them).
  function pressArgs(action, ticket) {
    const args = {};
    if (action === "call") Object.assign(args, ticket);
    if (action === "transfer") {
      const [kind, value] = document.getElementById("transfer-target").value.split(":");
      if (kind === "counter") args.counter = Number(value); else args.service = value;
    }
    return args;
  }

  // The words of each result are the counter unit's too (xephang/labels.py).
  const DONE = Object.assign({
    set_aside: "Đã ghi: công dân đi bổ sung giấy tờ.",
    came_back: "Công dân đã quay lại: số được gọi trước các số mới.",
  }, window.ACTION_RESULTS);

  function done(action, ticket) {
    if (ticket && window.TICKET_RESULTS[action]) {
      return window.TICKET_RESULTS[action].replace("{number}", ticket.number);
    }
    if (action === "call_next") return window.NOBODY_WAITING;
    return DONE[action] || "Đã thực hiện.";
  }

  // Presses are carried out one after another, in the order pressed. A press like the last one
  // taken (same action, same arguments) while that one is not yet shown is a double press: the
  // same press, with its result. Any other press waits its turn, so none is lost.
  function send(action, ticket) {
    const args = pressArgs(action, ticket);
    const key = JSON.stringify([action, args, ticket || null]);
    if (latest && latest.key === key) return latest.done;
    const before = latest ? latest.done : Promise.resolve();
    const press = { key, done: before.then(() => carryOut(action, args, ticket)) };
    press.done = press.done.finally(() => { if (latest === press) latest = null; });
    latest = press;
    return press.done;
  }

  async function carryOut(action, args, ticket) {
    let text = "", isError = false;
    try {
      let reply;
      if (action === "set_aside") reply = await post(root.dataset.aside, {});
      else if (action === "came_back") reply = await post(root.dataset.back, { ticket });
      else reply = await post(root.dataset.api, { command_id: newId(), action, args });
      if (reply.ok) {
        text = done(action, reply.ticket);
        // The call just made went back to its place in line: nobody was served.
        if (reply.withdrawn) text = `${window.WITHDRAWN_RESULT.replace("{number}", reply.withdrawn)} ${text}`;
      } else {
        [text, isError] = [reply.detail || reply.error, true];
      }
    } catch (error) {
      [text, isError] = ["Không kết nối được máy chủ. Vui lòng thử lại.", true];
    }
    await refreshQueue();
    say(text, isError);
  }

  for (const button of document.querySelectorAll("button[data-action]")) {
    button.addEventListener("click", () => send(button.dataset.action));
  }
  document.getElementById("returning").addEventListener("click", (e) => {
    if (e.target.dataset.back) send("came_back", e.target.dataset.back);
  });
  document.getElementById("waiting-list").addEventListener("click", (e) => {
    if (e.target.dataset.call) send("call", { ticket: e.target.dataset.call });
  });
  const typed = document.getElementById("call-input");
  // A number typed while a press is still out is called after that one (send keeps the order).
  document.getElementById("call-number").addEventListener("submit", async (e) => {
    e.preventDefault();
    const number = typed.value.trim();
    await send("call", { number });
    if (typed.value.trim() === number) typed.value = "";  // keep what staff typed meanwhile
  });
  // Shortcuts work everywhere but in a text field (the transfer list included: a letter there
  // would only jump to an option).
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.altKey || e.metaKey || /^(INPUT|TEXTAREA)$/.test(e.target.tagName)) return;
    const button = document.querySelector(`button[data-key="${e.key.toLowerCase()}"]`);
    if (button) { e.preventDefault(); button.click(); }
  });

  const LOST = "Mất kết nối, đang kết nối lại…";
  // Live through the stream this browser shares among all its pages (live.js).
  window.Live.follow({
    stream: root.dataset.events, params: [`counter=${counterId}`],
    events: [`counter-${counterId}`, "hall"],
  }, {
    event(name, data) {
      if (name !== "hall") showState(data);
      refreshQueue();  // the ticket's details, the waiting list, the services if the manager changed them
    },
    state(state) {
      if (state !== "open") say(LOST, true);
      else if (message.textContent === LOST) say("");  // only the loss; a refusal stays shown
    },
  });
  showQueue(window.COUNTER_QUEUE);
  setInterval(refreshQueue, 15000);  // the oldest wait grows even when nothing happens
})();
