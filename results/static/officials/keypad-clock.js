/* The keypad's clock: the phone's, corrected by its offset to the server's.
 *
 * A phone's clock can be seconds off, and a split is only as good as its clock. The offset is
 * server − (t0 + t1) / 2 over the fastest of three round trips to /officials/<race>/clock; it
 * is kept in localStorage so a phone that reloads offline still corrects its taps.
 */
(function (keypad) {
  "use strict";

  const SAVED = "tasuki-clock-offset";
  const PATIENCE_MS = 5000;

  keypad.Clock = function (clockUrl) {
    const clock = {
      offset: null, // ms to add to the phone's clock; null until measured once
      measuredAt: null,

      load() {
        try {
          const saved = JSON.parse(localStorage.getItem(SAVED) || "null");
          if (saved) {
            clock.offset = saved.offset;
            clock.measuredAt = saved.measuredAt;
          }
        } catch (error) {
          /* nothing saved yet */
        }
      },

      now() {
        return Date.now() + (clock.offset || 0);
      },

      // "measured", or the HTTP status that stopped it (401: the session ended); throws offline.
      async measure() {
        const samples = [];
        for (let i = 0; i < 3; i += 1) {
          const t0 = Date.now();
          const response = await fetch(clockUrl, {
            cache: "no-store",
            credentials: "same-origin",
            headers: { Accept: "application/json" },
            signal: AbortSignal.timeout(PATIENCE_MS), // a slow answer measures nothing useful
          });
          const t1 = Date.now();
          if (!response.ok) return response.status;
          const body = await response.json();
          samples.push({ t0, t1, serverMs: body.now_ms });
        }
        clock.offset = keypad.logic.offsetFromSamples(samples);
        clock.measuredAt = Date.now();
        localStorage.setItem(SAVED, JSON.stringify({ offset: clock.offset, measuredAt: clock.measuredAt }));
        return "measured";
      },

      describe(say) {
        if (clock.offset === null) return say("offset_unknown");
        const seconds = keypad.logic.formatOffset(clock.offset);
        const minutes = Math.floor((Date.now() - clock.measuredAt) / 60000);
        return minutes >= 3 ? say("offset_old", { offset: seconds, minutes }) : say("offset", { offset: seconds });
      },
    };
    return clock;
  };
})((window.TasukiKeypad = window.TasukiKeypad || {}));
