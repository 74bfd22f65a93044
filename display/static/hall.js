/* The hall screen: redraw from each `state` event. While the voice says calls (`speaking` events),
   the big box shows the call being said and the list marks the others in the same sentence; in
   silence it shows the newest call still called (cleared once that ticket is finished). */
(function () {
  "use strict";
  var X = window.Xephang;
  var FLASH_MS = 6000;
  var lastState = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function showCurrent(number, counterLabel) {
    var box = document.getElementById("current");
    box.replaceChildren();
    if (!number) { box.appendChild(el("span", "none", lastState ? lastState.idle_text : "")); return; }
    box.appendChild(el("span", "number", number));
    box.appendChild(el("span", "arrow", "→"));
    box.appendChild(el("span", "counter", counterLabel));
  }

  function showPrevious(calls, said) {
    var list = document.getElementById("previous");
    list.replaceChildren.apply(list, calls.map(function (call) {
      var item = el("li", said.indexOf(call.number) >= 0 ? "speaking" : "");
      item.appendChild(el("span", "number", call.number));
      item.appendChild(document.createTextNode(" → " + call.counter_label));
      return item;
    }));
  }

  function showServices(services) {
    var body = document.getElementById("services");
    body.replaceChildren.apply(body, services.map(function (s) {
      var row = el("tr");
      row.appendChild(el("td", "name", s.name));
      row.appendChild(el("td", "waiting", String(s.waiting)));
      row.appendChild(el("td", "eta", s.wait_text));
      return row;
    }));
  }

  function showCounters(counters) {
    var strip = document.getElementById("counters");
    strip.replaceChildren.apply(strip, counters.map(function (c) {
      var box = el("div", "counter-box status-" + c.status + (c.closing_note ? " closing" : ""));
      box.appendChild(el("div", "label", c.label));
      box.appendChild(el("div", c.number ? "value" : "value text", c.number || c.status_label));
      // It closes after this citizen: no new number will be called here.
      if (c.closing_note) box.appendChild(el("div", "note", c.closing_note));
      return box;
    }));
  }

  var speaking = [];  // the calls of the sound being played, in the order they are said

  function showCalls() {
    var said = speaking.map(function (call) { return call.number; });
    var shown = speaking.length ? speaking[0] : lastState && lastState.current;
    showCurrent(shown && shown.number, shown && shown.counter_label);
    document.getElementById("current").classList.toggle("speaking", speaking.length > 0);
    if (lastState) {
      var recent = (lastState.current ? [lastState.current] : []).concat(lastState.previous);
      var others = recent.filter(function (call) { return !shown || call.number !== shown.number; });
      showPrevious(others, said);
    }
  }

  function onState(state) {
    X.showMqtt(state);
    lastState = state;
    showCalls();
    showServices(state.services);
    showCounters(state.counters);
  }

  var flashTimer = null;
  function onSpeaking(event) {
    speaking = event.calls;
    showCalls();
    if (!speaking.length) { return; }
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

  X.connect({ state: onState, speaking: onSpeaking });
})();
