/* The keypad's roster: who a bib is at this station, kept on the phone for offline use, and the
 * checks a bib gets before it is recorded (an unknown bib, the same team twice within a minute,
 * a team already here or further on, a team with a status). The server checks again; these
 * only stop the official's thumb in time.
 */
(function (keypad) {
  "use strict";

  const SAME_BIB_MS = 60 * 1000; // the same team twice within this: a double tap or a typo
  const PATIENCE_MS = 30 * 1000;

  const own = (object, key) => Object.prototype.hasOwnProperty.call(object, key);

  keypad.Roster = function ({ config, store, outbox, say, formatTime }) {
    const key = config.race + "/" + config.station;

    const roster = {
      current: null, // the station's roster as the server sent it; null until there is one

      async load() {
        const saved = await store.get("rosters", key);
        if (saved) {
          roster.current = saved.roster;
          document.body.dataset.roster = "kept";
        }
      },

      /** "fresh" once the server's roster is kept, else the HTTP status that refused it. */
      async refresh() {
        const response = await fetch(config.urls.roster, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
          signal: AbortSignal.timeout(PATIENCE_MS),
        });
        if (!response.ok) return response.status;
        roster.current = await response.json();
        await store.put("rosters", { key, roster: roster.current, fetchedAt: Date.now() });
        document.body.dataset.roster = "fresh";
        return "fresh";
      },

      /** The team a team bib, runner bib or chip id belongs to, or null. */
      teamFor(bib) {
        const known = roster.current;
        if (!known || !bib) return null;
        const teamBib = own(known.teams, bib) ? bib : own(known.aliases, bib) ? known.aliases[bib] : null;
        return teamBib === null ? null : Object.assign({ bib: teamBib }, known.teams[teamBib]);
      },

      teamBibOf(entry) {
        const team = roster.teamFor(entry.bib);
        return team ? team.bib : entry.bib;
      },

      /** What the official should look at before `bib` at `at` is recorded; [] when nothing. */
      warningsFor(bib, at, exceptId) {
        const known = roster.current;
        if (!known) return []; // nothing to compare with yet: the server checks
        const team = roster.teamFor(bib);
        if (!team) return [say("unknown_bib", { bib })];
        const warnings = [];
        const recent = outbox
          .newestFirst()
          .find(
            (entry) =>
              entry.id !== exceptId &&
              (entry.state === "waiting" || entry.state === "stored") &&
              !entry.voidReason &&
              roster.teamBibOf(entry) === team.bib &&
              Math.abs(at - entry.time) < SAME_BIB_MS
          );
        if (recent) {
          warnings.push(
            say("same_bib", { bib: team.bib, seconds: Math.round(Math.abs(at - recent.time) / 1000) })
          );
        } else if (team.here_ms !== null && team.here_ms !== undefined) {
          warnings.push(say("already_here", { bib: team.bib, time: formatTime(team.here_ms) }));
        }
        if (team.reached_position !== null && team.reached_position > known.position) {
          warnings.push(say("past_station", { bib: team.bib, station: team.reached }));
        }
        if (team.status) warnings.push(say("status", { bib: team.bib, status: team.status }));
        return warnings;
      },
    };
    return roster;
  };
})((window.TasukiKeypad = window.TasukiKeypad || {}));
