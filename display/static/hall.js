/* The hall screen: redraw from each `state` event, flash the call on each `announce` event. */
(function () {
  "use strict";
  var X = window.Xephang;
  var FLASH_MS = 6000;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function showCurrent(number, counterLabel) {
    var box = document.getElementById("current");
    box.replaceChildren();
    if (!number) { box.appendChild(el("span", "none", "Chưa gọi số nào")); return; }
    box.appendChild(el("span", "number", number));
    box.appendChild(el("span", "arrow", "→"));
    box.appendChild(el("span", "counter", counterLabel));
  }

  function showPrevious(calls) {
    var list = document.getElementById("previous");
    list.replaceChildren.apply(list, calls.map(function (call) {
      var item = el("li");
      item.appendChild(el("span", "number", call.number));
      item.appendChild(document.createTextNode(" → " + call.counter_label));
      return item;
    }));
  }

  function etaText(service) {
    if (!service.waiting) { return "Không phải chờ"; }
    return service.eta_min === null ? "—" : "~" + service.eta_min + " phút";
  }

  function showServices(services) {
    var body = document.getElementById("services");
    body.replaceChildren.apply(body, services.map(function (s) {
      var row = el("tr");
      row.appendChild(el("td", "name", s.name));
      row.appendChild(el("td", "waiting", String(s.waiting)));
      row.appendChild(el("td", "eta", etaText(s)));
      return row;
    }));
  }

  function showCounters(counters) {
    var strip = document.getElementById("counters");
    strip.replaceChildren.apply(strip, counters.map(function (c) {
      var box = el("div", "counter-box status-" + c.status);
      box.appendChild(el("div", "label", c.label));
      box.appendChild(el("div", c.number ? "value" : "value text", c.number || c.status_label));
      return box;
    }));
  }

  function onState(state) {
    X.showMqtt(state);
    var current = state.current;
    showCurrent(current && current.number, current && current.counter_label);
    showPrevious(state.previous);
    showServices(state.services);
    showCounters(state.counters);
  }

  var flashTimer = null;
  function onAnnounce(call) {
    showCurrent(call.number, call.counter_label);
    var box = document.getElementById("current");
    box.classList.remove("flash");
    void box.offsetWidth;  // restart the animation for a recall of the same number
    box.classList.add("flash");
    window.clearTimeout(flashTimer);
    flashTimer = window.setTimeout(function () { box.classList.remove("flash"); }, FLASH_MS);
  }

  // One notice at a time, each on one line: a long line would be clipped, and scrolling text is hard to read.
  var NOTICE_MS = 8000;
  var notices = (window.XEPHANG || {}).notices || [];
  var noticeIndex = 0;
  if (notices.length > 1) {
    window.setInterval(function () {
      noticeIndex = (noticeIndex + 1) % notices.length;
      X.setText("notices", notices[noticeIndex]);
    }, NOTICE_MS);
  }

  X.connect({ state: onState, announce: onAnnounce });
})();
