// Race control's countdowns tick between two polls. The server writes each target as epoch ms
// (data-countdown-ms) and its own "now" (data-server-now-ms on the live part): the difference
// with this phone's clock is taken out, so a phone a few minutes off still counts right.
// A poll answered "not modified" brings back the part rendered earlier, with its old "now":
// then the answer's Date header (to the second) measures the difference instead.
(function () {
  "use strict";
  var skew = 0;
  var seen = null;

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function duration(ms) {
    var s = Math.ceil(ms / 1000);
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    return (h ? h + ":" + pad(m) : String(m)) + ":" + pad(s % 60);
  }

  function sync(request) {
    var live = document.querySelector("[data-server-now-ms]");
    var serverNow = live ? live.getAttribute("data-server-now-ms") : null;
    if (serverNow && serverNow !== seen) {
      seen = serverNow;
      skew = Number(serverNow) - Date.now();
      return;
    }
    var date = request && Date.parse(request.getResponseHeader("Date") || "");
    if (date) skew = date + 500 - Date.now(); // the header has whole seconds
  }

  function tick() {
    var now = Date.now() + skew;
    document.querySelectorAll("[data-countdown-ms]").forEach(function (el) {
      var left = Number(el.getAttribute("data-countdown-ms")) - now;
      el.textContent =
        left > 0
          ? el.getAttribute("data-in-text").replace("%(time)s", duration(left))
          : el.getAttribute("data-passed-text");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    sync();
    tick();
    window.setInterval(tick, 1000);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    sync(event.detail && event.detail.xhr);
    tick();
  });
})();
