/* The station keypad's screen (templates/officials/keypad.html).
 *
 * Bib first: type a bib, tap Enter; the entry's time is the moment of the tap. Time first,
 * for a busy finish: tap as runners cross, type the bibs afterwards, they pair in order.
 * The entries themselves live in the outbox (keypad-outbox.js), the clock in keypad-clock.js,
 * the storage in keypad-store.js; the service worker (/officials/sw.js) keeps this page.
 */
(function (keypad) {
  "use strict";

  const config = JSON.parse(document.getElementById("keypad-config").textContent);
  const STATION_KEY = config.race + "/" + config.station;
  const SAME_BIB_MS = 60 * 1000; // the same team twice within this: a double tap or a typo
  const REMEASURE_MS = 60 * 1000;
  const ENTER_HELD_MS = 2000;

  // --- words -------------------------------------------------------------------------------

  function say(key, values) {
    return config.strings[key].replace(/%\((\w+)\)s/g, (_, name) =>
      values && name in values ? String(values[name]) : ""
    );
  }

  const clockFormat = new Intl.DateTimeFormat(config.language || undefined, {
    timeZone: config.timezone,
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  });

  function formatTime(ms) {
    return clockFormat.format(new Date(ms)) + "." + Math.floor((ms % 1000) / 100);
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const $ = (id) => document.getElementById(id);

  const store = keypad.openStore();
  const clock = keypad.Clock(config.urls.clock);
  const outbox = keypad.Outbox({ config, store, say, changed: () => renderAll() });

  // --- the roster: who a bib is, kept for offline use ----------------------------------------

  let roster = null;

  async function loadRoster() {
    const saved = await store.get("rosters", STATION_KEY);
    if (saved) {
      roster = saved.roster;
      document.body.dataset.roster = "kept";
    }
  }

  async function refreshRoster() {
    const response = await fetch(config.urls.roster, { credentials: "same-origin" });
    if (!response.ok) return response.status;
    roster = await response.json();
    await store.put("rosters", { key: STATION_KEY, roster, fetchedAt: Date.now() });
    document.body.dataset.roster = "fresh";
    renderTeamCard();
    renderTaps();
    return "fresh";
  }

  const own = (object, key) => Object.prototype.hasOwnProperty.call(object, key);

  function teamFor(bib) {
    if (!roster || !bib) return null;
    const teamBib = own(roster.teams, bib) ? bib : own(roster.aliases, bib) ? roster.aliases[bib] : null;
    return teamBib === null ? null : Object.assign({ bib: teamBib }, roster.teams[teamBib]);
  }

  function teamBibOf(entry) {
    const team = teamFor(entry.bib);
    return team ? team.bib : entry.bib;
  }

  function warningsFor(bib, at, exceptId) {
    if (!roster) return []; // nothing to compare with yet: the server checks
    const team = teamFor(bib);
    if (!team) return [say("unknown_bib", { bib })];
    const warnings = [];
    const recent = outbox
      .newestFirst()
      .find(
        (entry) =>
          entry.id !== exceptId &&
          (entry.state === "waiting" || entry.state === "stored") &&
          !entry.voidReason &&
          teamBibOf(entry) === team.bib &&
          Math.abs(at - entry.time) < SAME_BIB_MS
      );
    if (recent) {
      warnings.push(say("same_bib", { bib: team.bib, seconds: Math.round(Math.abs(at - recent.time) / 1000) }));
    } else if (team.here_ms !== null && team.here_ms !== undefined) {
      warnings.push(say("already_here", { bib: team.bib, time: formatTime(team.here_ms) }));
    }
    if (team.reached_position !== null && team.reached_position > roster.position) {
      warnings.push(say("past_station", { bib: team.bib, station: team.reached }));
    }
    if (team.status) warnings.push(say("status", { bib: team.bib, status: team.status }));
    return warnings;
  }

  // --- bib first -----------------------------------------------------------------------------

  let mode = "bib";
  let held = null; // an entry stopped by a warning, with the time of its tap
  let enterPressed = null;

  async function record(bib, at) {
    await outbox.create(bib, at, clock.offset, "waiting");
    renderTeamCard(bib, at);
    tell(say("recorded", { bib, time: formatTime(at) }));
    renderAll();
    outbox.sync();
  }

  async function enter(bib, tappedAt) {
    // A bib stopped by a warning keeps the time of its first tap, even when it is corrected.
    const at = held ? held.at : tappedAt;
    const confirmed = held && held.bib === bib;
    const warnings = confirmed ? [] : warningsFor(bib, at);
    if (warnings.length) {
      held = { bib, at };
      $("check-message").textContent = warnings.join(" ") + " " + say("held_time", { time: formatTime(at) });
      $("check").hidden = false;
      return;
    }
    hideCheck();
    $("bib").value = "";
    await record(bib, at);
  }

  function hideCheck() {
    held = null;
    $("check").hidden = true;
  }

  // --- time first: taps now, bibs after, paired in order ---------------------------------------

  let selectedTap = null;

  function taps() {
    return outbox.inOrder().filter((e) => e.state === "tap");
  }

  async function addTap() {
    const entry = await outbox.create("", clock.now(), clock.offset, "tap");
    tell(say("tap_recorded", { number: taps().length, time: formatTime(entry.time) }));
    renderTaps();
  }

  async function pairBib(bib) {
    const list = taps();
    const target = list.find((e) => e.id === selectedTap) || list.find((e) => !e.bib);
    if (!target) {
      tell(say("no_tap_waiting"));
      return;
    }
    target.bib = bib;
    selectedTap = null;
    await outbox.keep(target);
    $("bib").value = "";
    tell(say("paired", { number: list.indexOf(target) + 1, bib }));
    renderTaps();
  }

  async function sendPaired() {
    const paired = taps().filter((e) => e.bib);
    for (const entry of paired) {
      entry.state = "waiting";
      await outbox.keep(entry);
    }
    tell(say("sent_paired", { count: paired.length }));
    renderAll();
    outbox.sync();
  }

  // --- taking an entry back ------------------------------------------------------------------

  async function forget(entry) {
    // Before anything left the phone an entry can simply go; after, only a void takes it back.
    if (entry.state === "tap" || (entry.state === "waiting" && !entry.attempted)) {
      await outbox.drop(entry);
      tell(
        entry.state === "tap"
          ? say("tap_dropped", { time: formatTime(entry.time) })
          : say("dropped", { bib: entry.bib })
      );
      renderAll();
      return;
    }
    askVoid(entry, "");
  }

  let voiding = null;

  function askVoid(entry, reason) {
    voiding = entry;
    const team = teamFor(entry.bib);
    $("void-title").textContent = say("void_title", {
      bib: entry.bib,
      team: team ? team.name : say("unknown_team"),
      time: formatTime(entry.time),
    });
    $("void-reason").value = reason;
    $("void-dialog").showModal();
    $("void-reason").focus();
  }

  async function voidClosed() {
    const entry = voiding;
    voiding = null;
    const reason = $("void-reason").value.trim();
    if ($("void-dialog").returnValue !== "void" || !entry || !reason) return;
    entry.voidReason = reason;
    await outbox.keep(entry);
    tell(say("void_asked", { bib: entry.bib }));
    renderAll();
    outbox.sync();
  }

  function undo() {
    // Undo takes back what this mode shows: the last tap in time first, the last entry in bib first.
    const undoable = mode === "time" ? ["tap"] : ["waiting", "stored"];
    const last = outbox.newestFirst().find((e) => undoable.includes(e.state) && !e.voidReason);
    if (!last) tell(say("nothing_to_undo"));
    else if (last.state === "tap" || (last.state === "waiting" && !last.attempted)) forget(last);
    else askVoid(last, say("undo_reason"));
  }

  // --- the screen --------------------------------------------------------------------------------

  function tell(text) {
    $("message").textContent = text;
  }

  function renderStatus() {
    const net = $("net-state");
    const online = outbox.state.online && navigator.onLine;
    net.textContent = online ? say("online") : say("offline");
    net.classList.toggle("offline", !online);
    $("clock-offset").textContent = clock.describe(say);
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
    if (mode === "bib" && unpaired) text += " · " + say("taps_waiting", { count: unpaired });
    line.textContent = text;
    line.dataset.waiting = String(waiting);
  }

  function renderTeamCard(bib, at) {
    const card = $("team-card");
    const typed = bib === undefined ? $("bib").value.trim() : bib;
    card.replaceChildren();
    card.classList.remove("unknown");
    if (!typed || !roster) return;
    const team = teamFor(typed);
    if (!team) {
      card.classList.add("unknown");
      card.append(el("div", "team", typed + " · " + say("unknown_team")));
      return;
    }
    card.append(el("div", "team", team.bib + " · " + team.name));
    const lines = [];
    if (roster.arriving_leg) lines.push([roster.relay ? say("arrived") : say("passing"), roster.arriving_leg]);
    if (roster.leaving_leg) lines.push([say("next"), roster.leaving_leg]);
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
    list.replaceChildren();
    all.forEach((entry, i) => {
      const item = el("li");
      item.dataset.id = entry.id;
      item.classList.toggle("selected", entry.id === selectedTap);
      item.append(el("span", "tap-number", String(i + 1)));
      const pick = el("button", "tap-pick", formatTime(entry.time));
      pick.type = "button";
      pick.dataset.action = "pick";
      pick.setAttribute("aria-label", say("edit_tap", { number: i + 1 }));
      item.append(pick);
      const team = teamFor(entry.bib);
      item.append(el("span", "tap-team", team ? team.name : ""));
      item.append(el("span", "tap-bib" + (entry.bib ? "" : " missing"), entry.bib || "—"));
      const remove = el("button", "", "✕");
      remove.type = "button";
      remove.dataset.action = "delete";
      remove.setAttribute("aria-label", say("delete_tap", { number: i + 1 }));
      item.append(remove);
      if (entry.bib) {
        const warnings = warningsFor(entry.bib, entry.time, entry.id);
        if (warnings.length) item.append(el("span", "tap-warning", warnings.join(" ")));
      }
      list.append(item);
    });
    const unpaired = all.filter((e) => !e.bib).length;
    $("taps-count").textContent = unpaired ? say("taps_waiting", { count: unpaired }) : "";
    const paired = all.length - unpaired;
    const send = $("send-paired");
    send.hidden = paired === 0;
    send.textContent = say("send_paired", { count: paired });
  }

  function shownState(entry) {
    if (entry.voidReason && (entry.state === "waiting" || entry.state === "stored")) return "voiding";
    return entry.state;
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
      let button = null;
      if (entry.state === "waiting" && !entry.attempted && !entry.voidReason) {
        button = el("button", "", say("remove"));
      } else if ((entry.state === "waiting" || entry.state === "stored") && !entry.voidReason) {
        button = el("button", "", say("void"));
      }
      if (button) {
        button.type = "button";
        button.dataset.action = "forget";
        item.append(button);
      } else {
        item.append(el("span"));
      }
      const team = teamFor(entry.bib);
      item.append(el("span", "entry-team", team ? team.name : ""));
      if (entry.message) item.append(el("span", "entry-message", entry.message));
      list.append(item);
    }
  }

  function renderAll() {
    renderStatus();
    renderOutbox();
    renderTaps();
    renderEntries();
  }

  function setMode(value) {
    selectedTap = null;
    mode = value === "time" ? "time" : "bib";
    localStorage.setItem("tasuki-mode-" + STATION_KEY, mode);
    $("keypad").dataset.mode = mode;
    $("tap-panel").hidden = mode !== "time";
    for (const button of document.querySelectorAll(".mode-switch button")) {
      button.setAttribute("aria-pressed", String(button.dataset.mode === mode));
    }
    hideCheck();
    renderTeamCard("");
    renderTaps();
    renderOutbox();
  }

  // --- hands on the screen -------------------------------------------------------------------

  function bind() {
    const input = $("bib");

    for (const button of document.querySelectorAll(".mode-switch button")) {
      button.addEventListener("click", () => setMode(button.dataset.mode));
    }

    // The keys must not pull the focus (and the phone's own keyboard) around.
    $("keys").addEventListener("mousedown", (event) => event.preventDefault());
    $("keys").addEventListener("click", (event) => {
      const key = event.target.closest("button[data-key]");
      if (!key) return;
      const value = key.dataset.key;
      if (value === "back") input.value = input.value.slice(0, -1);
      else if (value === "clear") input.value = "";
      else input.value += value;
      renderTeamCard();
    });
    input.addEventListener("input", () => renderTeamCard());

    // The time is the moment the thumb lands on Enter, not when the finger lifts.
    $("enter").addEventListener("pointerdown", () => {
      enterPressed = { at: clock.now(), perf: performance.now() };
    });
    $("bib-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const pressed = enterPressed && performance.now() - enterPressed.perf < ENTER_HELD_MS;
      const tappedAt = pressed ? enterPressed.at : clock.now();
      enterPressed = null;
      const bib = input.value.trim();
      if (!bib) tell(say("type_a_bib"));
      else if (mode === "time") await pairBib(bib);
      else await enter(bib, tappedAt);
    });
    $("record-anyway").addEventListener("click", async () => {
      if (!held) return;
      const { bib, at } = held;
      hideCheck();
      input.value = "";
      await record(bib, at);
    });
    $("discard").addEventListener("click", () => {
      hideCheck();
      input.value = "";
      renderTeamCard();
    });

    // Time first: the tap counts when the thumb lands; a keyboard press counts on its click.
    let lastPointerTap = 0;
    $("tap-button").addEventListener("pointerdown", () => {
      lastPointerTap = performance.now();
      addTap();
    });
    $("tap-button").addEventListener("click", () => {
      if (performance.now() - lastPointerTap > 1000) addTap();
    });
    $("send-paired").addEventListener("click", sendPaired);
    $("taps").addEventListener("click", async (event) => {
      const button = event.target.closest("button[data-action]");
      const entry = button && outbox.get(button.closest("li").dataset.id);
      if (!entry) return;
      if (button.dataset.action === "delete") {
        if (selectedTap === entry.id) selectedTap = null;
        await forget(entry);
      } else {
        selectedTap = selectedTap === entry.id ? null : entry.id;
        input.value = entry.bib;
        tell(say("edit_tap", { number: taps().indexOf(entry) + 1 }));
        renderTaps();
      }
    });

    $("entries").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action='forget']");
      const entry = button && outbox.get(button.closest("li").dataset.id);
      if (entry) forget(entry);
    });
    $("undo").addEventListener("click", undo);
    $("void-dialog").addEventListener("close", voidClosed);

    window.addEventListener("online", () => {
      outbox.wake();
      measureAndRefresh();
    });
    window.addEventListener("offline", () => outbox.setOnline(false));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") {
        outbox.sync();
        measureAndRefresh();
      }
    });
  }

  async function measureAndRefresh() {
    try {
      const measured = await clock.measure();
      const refreshed = await refreshRoster();
      if (measured === 401 || refreshed === 401) outbox.state.loginNeeded = "";
    } catch (error) {
      outbox.setOnline(false);
    }
    renderStatus();
  }

  // --- working without a network: the service worker keeps this page ----------------------------

  async function prepareOffline() {
    if (!("serviceWorker" in navigator)) return;
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => undefined);
    try {
      await navigator.serviceWorker.register(config.urls.serviceWorker, { scope: config.urls.scope });
      const registration = await navigator.serviceWorker.ready;
      await new Promise((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = resolve;
        registration.active.postMessage({ type: "keep-page", url: config.urls.page }, [channel.port2]);
        setTimeout(resolve, 15000);
      });
      const kept = await caches.match(new URL(config.urls.page, location.href).href);
      $("offline-ready").textContent = kept ? say("offline_ready") : say("offline_not_ready");
      document.body.dataset.offlineReady = kept ? "yes" : "no";
    } catch (error) {
      $("offline-ready").textContent = say("offline_not_ready");
    }
  }

  async function start() {
    clock.load();
    await loadRoster().catch(() => undefined);
    await outbox.load();
    bind();
    setMode(localStorage.getItem("tasuki-mode-" + STATION_KEY));
    renderAll();
    document.body.dataset.keypadReady = "yes";
    outbox.sync();
    measureAndRefresh();
    setInterval(measureAndRefresh, REMEASURE_MS);
    setInterval(() => {
      renderStatus();
      renderOutbox();
    }, 1000);
    prepareOffline();
  }

  start();
})((window.TasukiKeypad = window.TasukiKeypad || {}));
