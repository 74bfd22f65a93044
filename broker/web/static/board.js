// Manager's board: refreshed from /admin/board.json every 2 seconds, without reloading the page.
"use strict";
(function () {
  const root = document.getElementById("board");

  function cells(row, values, className) {
    const tr = document.createElement("tr");
    if (className) tr.className = className;
    for (const [key, value] of Object.entries(row)) tr.dataset[key] = value;
    for (const value of values) {
      const td = document.createElement("td");
      td.textContent = value === null || value === undefined || value === "" ? "—" : value;
      tr.append(td);
    }
    return tr;
  }

  function fill(id, rows) {
    const body = document.querySelector(`#${id} tbody`);
    body.replaceChildren(...rows);
  }

  function advise(texts) {
    const section = document.getElementById("board-suggestions");
    section.hidden = texts.length === 0;
    section.querySelector("ul").replaceChildren(...texts.map((text) => {
      const li = document.createElement("li");
      li.textContent = text;
      return li;
    }));
  }

  function show(data) {
    document.getElementById("board-at").textContent = data.at;
    advise(data.suggestions);
    fill("board-counters", data.counters.map((c) => cells({ counter: c.id },
      [c.label, c.status_vi, c.ticket, c.since, c.who, c.codes.join(", ")], `status-${c.status}`)));
    fill("board-services", data.services.map((s) => cells({ service: s.code },
      [s.name, s.waiting.toLocaleString("vi-VN"), s.oldest_min, s.eta_min, s.target_min], s.late ? "late" : "")));
    if (data.devices.length) {
      fill("board-devices", data.devices.map((d) => cells({ device: d.id },
        [d.id, d.online ? "Trực tuyến" : "Mất kết nối", d.detail, d.version, d.seen],
        d.problem || !d.online ? "late" : "")));
    }
    if (data.incidents.length) {
      fill("board-incidents", data.incidents.map((i) => cells({ device: i.device },
        [i.device, i.problem, i.since, i.until, i.down], i.open ? "late" : "")));
    }
  }

  async function refresh() {
    try {
      const response = await fetch(root.dataset.source, { headers: { Accept: "application/json" } });
      if (response.status === 401) { location.reload(); return; }
      if (response.ok) show(await response.json());
    } catch (error) { /* try again on the next tick */ }
  }

  setInterval(refresh, 2000);
})();
