/* The keypad's screen drawn from its state: the network and clock line, the outbox line and
 * its counts, the refused entries, the team card of the bib being typed, the time-first taps, the last entries and
 * the teams still due in the "next in" list. Drawing only:
 * what a button does is in keypad.js.
 */
(function (keypad) {
  "use strict";

  const $ = (id) => document.getElementById(id);

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function shownState(entry) {
    if (entry.voidReason && (entry.state === "waiting" || entry.state === "stored")) return "voiding";
    if (entry.state === "refused" && entry.dismissed) return "dismissed";
    return entry.state;
  }

  /** `view`: the page's mode ("bib" or "time"), the tap picked for a bib (`selectedTap`) and
   * when the "next in" list shown was asked for (`nextInAskedAt`, ms). */
  const REFUSED_SHOWN = 1; // a second would push Enter off the first screen

  keypad.Screen = function ({ config, outbox, clock, roster, say, formatTime, view }) {
    const taps = () => outbox.inOrder().filter((e) => e.state === "tap");

    function renderStatus() {
      const net = $("net-state");
      const online = outbox.state.online && navigator.onLine;
      net.textContent = online ? say("online") : say("offline");
      net.classList.toggle("offline", !online);
      $("clock-offset").textContent = clock.describe(say);
      // A closed race takes no more entries: say so first, and nothing on the entry area answers.
      $("race-closed").hidden = !outbox.state.closed;
      $("entry-area").disabled = outbox.state.closed;
      const login = $("auth-problem");
      login.hidden = outbox.state.loginNeeded === null;
      if (outbox.state.loginNeeded) {
        login.firstElementChild.textContent = outbox.state.loginNeeded + " " + say("login_again");
      }
    }

    function renderOutbox() {
      const waiting = outbox.waiting().length;
      const line = $("outbox");
      line.classList.toggle("pending", waiting > 0);
      let text = waiting ? say("waiting", { count: waiting }) : say("all_sent");
      const { nextTryAt, trouble } = outbox.state;
      if (waiting && nextTryAt && !outbox.sending()) {
        text += " · " + say("retry_in", { seconds: Math.max(0, Math.ceil((nextTryAt - Date.now()) / 1000)) });
      }
      if (waiting && trouble) text += " · " + trouble;
      const unpaired = taps().filter((e) => !e.bib).length;
      if (view.mode === "bib" && unpaired) text += " · " + say("taps_waiting", { count: unpaired });
      line.textContent = text;
      line.dataset.waiting = String(waiting);
      renderCounts();
    }

    // Always on the first screen: what the server has, what waits, what it refused.
    function renderCounts() {
      const counts = outbox.counts();
      for (const name of ["stored", "waiting", "refused"]) {
        const count = $("count-" + name);
        count.textContent = say("count_" + name, { count: counts[name] });
        count.dataset.count = String(counts[name]);
      }
    }

    // The refused entries not yet dealt with, newest first, red, each with its reason and what
    // to do; on the first screen so that a refusal cannot pass for a success.
    function renderRefused() {
      const refused = outbox.newestFirst().filter((e) => e.state === "refused" && !e.dismissed);
      const panel = $("refused");
      const list = $("refused-list");
      list.replaceChildren();
      panel.hidden = refused.length === 0;
      for (const entry of refused.slice(0, REFUSED_SHOWN)) {
        const item = el("li");
        item.dataset.id = entry.id;
        const words = el("p", "refused-reason");
        words.append(el("b", "", say("refused_entry", { bib: entry.bib, time: formatTime(entry.time) }) + " "));
        const help = entry.raceClosed ? say("refused_closed_help") : say("refused_help");
        words.append(document.createTextNode(entry.message + " " + help));
        item.append(words);
        const actions = entry.raceClosed ? [] : [["fix", say("fix")]];
        for (const [action, label] of [...actions, ["dismiss", say("dismiss")]]) {
          const button = el("button", action === "dismiss" ? "secondary" : "", label);
          button.type = "button";
          button.dataset.action = action;
          item.append(button);
        }
        list.append(item);
      }
      $("refused-more").textContent =
        refused.length > REFUSED_SHOWN ? say("more_refused", { count: refused.length - REFUSED_SHOWN }) : "";
    }

    function renderTeamCard(bib, at) {
      const card = $("team-card");
      const typed = bib === undefined ? $("bib").value.trim() : bib;
      const station = roster.current;
      card.replaceChildren();
      card.classList.remove("unknown");
      if (!typed || !station) return;
      const team = roster.teamFor(typed);
      if (!team) {
        card.classList.add("unknown");
        card.append(el("div", "team", typed + " · " + say("unknown_team")));
        return;
      }
      card.append(el("div", "team", team.bib + " · " + team.name));
      const lines = [];
      if (station.arriving_leg) {
        lines.push([station.relay ? say("arrived") : say("passing"), station.arriving_leg]);
      }
      if (station.leaving_leg) lines.push([say("next"), station.leaving_leg]);
      for (const [label, leg] of lines) {
        const line = el("div", "runner");
        line.append(el("b", "", label + " "));
        line.append(document.createTextNode(say("leg", { number: leg }) + " · " + (team.runners[leg] || "—")));
        card.append(line);
      }
      if (at !== undefined) card.append(el("div", "muted", formatTime(at)));
    }

    function renderTaps() {
      const list = $("taps");
      const all = taps();
      const next = keypad.logic.pairTarget(all, view.selectedTap);
      list.replaceChildren();
      all.forEach((entry, i) => {
        const item = el("li");
        item.dataset.id = entry.id;
        item.classList.toggle("selected", entry.id === view.selectedTap);
        item.classList.toggle("next", Boolean(next) && entry.id === next.id);
        item.append(el("span", "tap-number", String(i + 1)));
        const pick = el("button", "tap-pick", formatTime(entry.time));
        pick.type = "button";
        pick.dataset.action = "pick";
        pick.setAttribute("aria-label", say("edit_tap", { number: i + 1 }));
        item.append(pick);
        const team = roster.teamFor(entry.bib);
        const warnings = entry.bib ? roster.warningsFor(entry.bib, entry.time, entry.id) : [];
        // A warning takes the team's place, on one line, so the row and the list keep their
        // height; the whole warning on a long press or hover.
        const about = el("span", warnings.length ? "tap-team tap-warning" : "tap-team");
        about.textContent = warnings.length ? warnings.join(" ") : team ? team.name : "";
        if (warnings.length) about.title = warnings.join(" ");
        item.append(about);
        item.append(el("span", "tap-bib" + (entry.bib ? "" : " missing"), entry.bib || "—"));
        const remove = el("button", "", "✕");
        remove.type = "button";
        remove.dataset.action = "delete";
        remove.setAttribute("aria-label", say("delete_tap", { number: i + 1 }));
        item.append(remove);
        list.append(item);
      });
      const unpaired = all.filter((e) => !e.bib).length;
      $("taps-count").textContent = unpaired ? say("taps_waiting", { count: unpaired }) : "";
      const paired = all.length - unpaired;
      const send = $("send-paired");
      send.hidden = paired === 0;
      send.textContent = say("send_paired", { count: paired });
    }

    function entryButton(entry) {
      // Before anything left the phone an entry can be removed; after, only voided.
      if (entry.state === "waiting" && !entry.attempted && !entry.voidReason) {
        return el("button", "", say("remove"));
      }
      if ((entry.state === "waiting" || entry.state === "stored") && !entry.voidReason) {
        return el("button", "", say("void"));
      }
      return null;
    }

    function renderEntries() {
      const list = $("entries");
      list.replaceChildren();
      const shown = outbox
        .newestFirst()
        .filter((e) => e.state !== "tap")
        .slice(0, config.entriesShown);
      if (!shown.length) list.append(el("li", "muted empty", say("empty_list")));
      for (const entry of shown) {
        const state = shownState(entry);
        const item = el("li");
        item.dataset.id = entry.id;
        item.dataset.state = state;
        item.append(el("span", "entry-bib", entry.bib));
        const middle = el("span", "entry-middle");
        middle.append(el("span", "entry-time", formatTime(entry.time) + " "));
        middle.append(el("span", "entry-state", say("state_" + state)));
        item.append(middle);
        const button = entryButton(entry);
        if (button) {
          button.type = "button";
          button.dataset.action = "forget";
          item.append(button);
        } else {
          item.append(el("span"));
        }
        const team = roster.teamFor(entry.bib);
        item.append(el("span", "entry-team", team ? team.name : ""));
        if (entry.message) item.append(el("span", "entry-message", entry.message));
        list.append(item);
      }
    }

    // The teams due here that this phone has recorded leave the server's list at once, without
    // waiting for its next poll (or for a network).
    function renderNextIn() {
      const panel = $("next-in");
      if (!panel) return;
      const recorded = keypad.logic.recordedHere(outbox.inOrder(), view.nextInAskedAt, roster.teamBibOf);
      const rows = [...panel.querySelectorAll("li[data-bib]")];
      for (const row of rows) row.hidden = recorded.has(row.dataset.bib);
      // Every team listed is in: say so, as the server does when none is due.
      const none = rows.length > 0 && rows.every((row) => row.hidden);
      let note = panel.querySelector(".next-in-none");
      if (none && !note) panel.append((note = el("p", "muted next-in-none", say("next_in_none"))));
      if (!none && note) note.remove();
    }

    return {
      taps,
      renderStatus,
      renderOutbox,
      renderTeamCard,
      renderTaps,
      renderEntries,
      renderNextIn,
      renderAll() {
        renderStatus();
        renderOutbox();
        renderRefused();
        renderTaps();
        renderEntries();
        renderNextIn();
      },
    };
  };
})((window.TasukiKeypad = window.TasukiKeypad || {}));
