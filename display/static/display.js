/* Shared by both screens: the clock, and the server-sent events connection with its banner. */
(function () {
  "use strict";
  var cfg = window.XEPHANG || {};

  function setText(id, value) {
    var node = document.getElementById(id);
    if (node && node.textContent !== value) { node.textContent = value; }
  }

  function localParts(now) {
    var fmt = new Intl.DateTimeFormat("en-GB", {
      timeZone: cfg.timezone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    });
    var parts = {};
    fmt.formatToParts(now).forEach(function (p) { parts[p.type] = p.value; });
    return parts;
  }

  function tick() {
    var p = localParts(new Date());
    // Weekday from the local calendar date; getUTCDay() is 0 for Sunday, the list starts on Monday.
    var day = new Date(Date.UTC(+p.year, +p.month - 1, +p.day)).getUTCDay();
    setText("clock", p.hour + ":" + p.minute);
    setText("date", cfg.weekdays[(day + 6) % 7] + ", " + p.day + "/" + p.month + "/" + p.year);
  }

  function showMqtt(state) {
    var banner = document.getElementById("banner-mqtt");
    if (banner) { banner.hidden = !!state.mqtt_connected; }
  }

  // EventSource retries by itself after a dropped stream; if it gives up (CLOSED) we start over.
  function connect(handlers) {
    var banner = document.getElementById("banner-sse");
    function open() {
      var source = new EventSource("/events");
      source.onopen = function () { banner.hidden = true; };
      source.onerror = function () {
        banner.hidden = false;
        if (source.readyState === EventSource.CLOSED) {
          source.close();
          window.setTimeout(open, 2000);
        }
      };
      Object.keys(handlers).forEach(function (name) {
        source.addEventListener(name, function (event) { handlers[name](JSON.parse(event.data)); });
      });
    }
    open();
  }

  tick();
  window.setInterval(tick, 1000);
  window.Xephang = { connect: connect, setText: setText, showMqtt: showMqtt };
})();
