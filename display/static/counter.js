/* The counter unit's page: redraw from `state` events; the on-screen buttons POST /press/<action>. */
(function () {
  "use strict";
  var X = window.Xephang;

  function showMessage(text, isError) {
    var box = document.getElementById("message");
    box.textContent = text || "";
    box.classList.toggle("error", !!isError);
  }

  function onState(state) {
    X.showMqtt(state);
    X.setText("number", state.number || "—");
    X.setText("service", state.service || "");
    X.setText("waiting", state.waiting || "");
    var status = document.getElementById("status");
    status.textContent = state.status_label;
    status.className = "status status-" + state.status + (state.closing ? " closing" : "");
    var broken = document.getElementById("buttons-error");
    broken.hidden = !state.buttons_error;
    broken.textContent = state.buttons_error || "";
    if (state.message) { showMessage(state.message.text, !state.message.ok); }
    else if (state.pending) { showMessage("Đang gửi…", false); }
    document.querySelectorAll(".actions button").forEach(function (b) {
      b.disabled = !!state.pending || !state.mqtt_connected;
    });
  }

  function press(action) {
    fetch("/press/" + encodeURIComponent(action), { method: "POST" })
      .then(function (response) { return response.json(); })
      .then(function (body) { if (!body.ok) { showMessage(body.detail, true); } })
      .catch(function () { showMessage("Không gửi được — mất kết nối với màn hình", true); });
  }

  document.querySelectorAll(".actions button").forEach(function (button) {
    button.addEventListener("click", function () { press(button.dataset.action); });
  });

  // A USB numeric keypad types into this page (Chromium in kiosk mode keeps it focused).
  var keypad = (window.XEPHANG || {}).keypad || {};
  document.addEventListener("keydown", function (event) {
    var action = keypad[event.code];
    if (!action || event.repeat) { return; }  // a held key is one press
    event.preventDefault();
    press(action);
  });
  X.connect({ state: onState });
})();
