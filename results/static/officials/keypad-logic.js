/* The keypad's rules that need no page: the outbox's back-off, which tap a bib pairs with, the
 * clock offset from its round trips, what the counts line counts, which teams leave the "next in"
 * list, and how a time is written.
 * Plain functions of their arguments (no clock, no DOM), so a test calls them on their own
 * (tests/test_keypad_browser.py); the other keypad*.js files use them.
 */
(function (keypad) {
  "use strict";

  const RETRY_FIRST_MS = 1000;
  const RETRY_MAX_MS = 30 * 1000;

  function dayKey(ms, timezone) {
    // en-CA writes a date as YYYY-MM-DD whatever the page's language.
    return new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" }).format(
      new Date(ms)
    );
  }

  keypad.logic = {
    /** The wait before the next try after a failed one: 1 s, 2 s, 4 s … up to 30 s. */
    nextRetryDelay(previousMs) {
      return previousMs ? Math.min(previousMs * 2, RETRY_MAX_MS) : RETRY_FIRST_MS;
    },

    /** The tap the next bib goes to: the one the official picked, else the oldest without a bib
     * (taps pair in the order runners crossed). `taps` oldest first; null when none waits. */
    pairTarget(taps, selectedId) {
      return taps.find((tap) => tap.id === selectedId) || taps.find((tap) => !tap.bib) || null;
    },

    /** The phone's offset to the server (ms to add) from round trips {t0, t1, serverMs}: the
     * fastest one says most, as its answer waited least on the way back. */
    offsetFromSamples(samples) {
      let best = null;
      for (const { t0, t1, serverMs } of samples) {
        if (!best || t1 - t0 < best.t1 - best.t0) best = { t0, t1, serverMs };
      }
      return best === null ? null : Math.round(best.serverMs - (best.t0 + best.t1) / 2);
    },

    /** An offset in seconds with a tenth: "+1.2", "−0.3"; one that rounds to nothing is "0.0",
     * never "−0.0". */
    formatOffset(ms) {
      const tenths = Math.round(ms / 100);
      if (tenths === 0) return "0.0";
      return (tenths > 0 ? "+" : "\u2212") + (Math.abs(tenths) / 10).toFixed(1); // a minus sign
    },

    /** How many of a station's entries the server stored, are waiting to go (a void asked for
     * included) and were refused and not yet dismissed. */
    counts(entries) {
      const counts = { stored: 0, waiting: 0, refused: 0 };
      for (const entry of entries) {
        if (entry.state === "waiting" || (entry.state === "stored" && entry.voidReason)) counts.waiting += 1;
        else if (entry.state === "stored") counts.stored += 1;
        else if (entry.state === "refused" && !entry.dismissed) counts.refused += 1;
      }
      return counts;
    },

    /** The team bibs the station's "next in" list leaves out at once: every entry waiting to go,
     * and every one the server stored since the list was asked for (`listAskedAt`, ms). A list
     * asked for after that has the server's word, a void at the results desk included.
     * `teamBibOf(entry)`: the team of a runner bib or chip id. */
    recordedHere(entries, listAskedAt, teamBibOf) {
      const bibs = new Set();
      for (const entry of entries) {
        if (!entry.bib || entry.voidReason) continue;
        if (entry.state === "waiting" || (entry.state === "stored" && (entry.storedAt || 0) >= listAskedAt)) {
          bibs.add(teamBibOf(entry));
        }
      }
      return bibs;
    },

    /** A function writing a moment as the race's clock time with tenths, 07:24:24.7, and its
     * date before it when that is not the day of `nowMs` there: a time from another day must not
     * pass for today's. */
    timeFormatter(language, timezone) {
      const clock = new Intl.DateTimeFormat(language || undefined, {
        timeZone: timezone,
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
        hourCycle: "h23",
      });
      const date = new Intl.DateTimeFormat(language || undefined, {
        timeZone: timezone,
        year: "numeric",
        month: "short",
        day: "numeric",
      });
      return function (ms, nowMs) {
        const time = clock.format(new Date(ms)) + "." + Math.floor((((ms % 1000) + 1000) % 1000) / 100);
        const now = nowMs === undefined ? Date.now() : nowMs;
        return dayKey(ms, timezone) === dayKey(now, timezone) ? time : date.format(new Date(ms)) + " " + time;
      };
    },
  };
})((window.TasukiKeypad = window.TasukiKeypad || {}));
