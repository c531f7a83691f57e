/* The station keypad's screen (templates/officials/keypad.html).
 *
 * Bib first: type a bib, tap Enter; the entry's time is the moment of the tap. Time first,
 * for a busy finish: tap as runners cross, type the bibs afterwards, they pair in order.
 * This file holds what the official's hands do; the entries themselves live in the outbox
 * (keypad-outbox.js), who a bib is in keypad-roster.js, the drawing in keypad-screen.js, the
 * clock in keypad-clock.js, the storage in keypad-store.js; the service worker
 * (/officials/sw.js) keeps this page.
 */
(function (keypad) {
  "use strict";

  const config = JSON.parse(document.getElementById("keypad-config").textContent);
  const STATION_KEY = config.race + "/" + config.station;
  const REMEASURE_MS = 60 * 1000;
  const ENTER_HELD_MS = 2000;

  // --- words -------------------------------------------------------------------------------

  function say(key, values) {
    return config.strings[key].replace(/%\((\w+)\)s/g, (_, name) =>
      values && name in values ? String(values[name]) : ""
    );
  }

  // 07:24:24.7, with its date when it is not today's in the race's zone.
  const formatTime = keypad.logic.timeFormatter(config.language, config.timezone);

  const $ = (id) => document.getElementById(id);

  const store = keypad.openStore();
  const clock = keypad.Clock(config.urls.clock);
  const outbox = keypad.Outbox({
    config,
    store,
    say,
    changed: () => {
      screen.renderAll();
      confirmTold();
    },
    stored: askNextIn,
  });
  const roster = keypad.Roster({ config, store, outbox, say, formatTime });
  // What the screen shows; setMode changes the mode, the "next in" panel's answers its time.
  const view = { mode: "bib", selectedTap: null, nextInAskedAt: 0 };
  const screen = keypad.Screen({ config, outbox, clock, roster, say, formatTime, view });
  const { taps, renderAll, renderOutbox, renderStatus, renderTaps, renderTeamCard } = screen;
  const { pairTarget } = keypad.logic;

  async function refreshRoster() {
    const refreshed = await roster.refresh();
    if (refreshed === "fresh") {
      renderTeamCard();
      renderTaps();
    }
    return refreshed;
  }

  // --- bib first -----------------------------------------------------------------------------

  let held = null; // an entry stopped by a warning (or a refused one being fixed: `fixes`), with its time
  let spent = false; // the bib field shows a bib already entered: held, or brought back to fix
  let told = null; // the entry the message line speaks of, while the server does not have it yet
  let enterPressed = null;

  async function record(bib, at, fixes) {
    if (outbox.state.closed) return; // its entry area is disabled; the server would refuse it
    const entry = await outbox.create(bib, at, clock.offset, "waiting");
    const refused = fixes && outbox.get(fixes);
    if (refused) {
      // The refused entry is dealt with: its fix is on its way.
      refused.dismissed = true;
      await outbox.keep(refused);
    }
    renderTeamCard(bib, at);
    // "Recorded" only once the server has it: until then the entry is on this phone alone.
    tell(say("kept", { bib, time: formatTime(at) }));
    told = entry;
    renderAll();
    outbox.sync();
  }

  function confirmTold() {
    const entry = told && outbox.get(told.id);
    if (!entry || entry.state === "waiting") return;
    const values = { bib: entry.bib, time: formatTime(entry.time), message: entry.message };
    if (entry.state === "stored") tell(say("recorded", values), "stored");
    else if (entry.state === "refused") tell(say("refused_told", values), "refused");
    told = null;
  }

  async function enter(bib, tappedAt) {
    // A bib stopped by a warning keeps the time of its first tap, even when it is corrected.
    const at = held ? held.at : tappedAt;
    const fixes = held ? held.fixes : undefined;
    const confirmed = held && held.bib === bib;
    const warnings = confirmed ? [] : roster.warningsFor(bib, at);
    if (warnings.length) {
      held = { bib, at, fixes };
      spent = true;
      $("check-message").textContent = warnings.join(" ") + " " + say("held_time", { time: formatTime(at) });
      $("check").hidden = false;
      return;
    }
    hideCheck();
    $("bib").value = "";
    await record(bib, at, fixes);
  }

  function hideCheck() {
    held = null;
    spent = false;
    $("check").hidden = true;
    $("record-anyway").textContent = say("record_anyway");
  }

  // A bib entered and stopped is spent: the next digit starts a new bib, not a longer one (9999,
  // then 276, is 276: never 9999276). After a warning that is a new entry, timed by its own
  // Enter; a refused entry being fixed keeps its time. ⌫ and C correct the bib shown instead.
  function startOver() {
    if (!spent) return;
    if (held && !held.fixes) hideCheck();
    spent = false;
    $("bib").value = "";
  }

  // --- a refused entry: fixed (a new entry, the bib corrected or the time now) or dismissed ------

  function fix(entry) {
    setMode("bib");
    // No bib confirmed yet: the corrected one is checked like any other, and a warned one
    // is recorded by pressing Enter again.
    held = { bib: null, at: entry.time, fixes: entry.id };
    $("bib").value = entry.bib;
    spent = true;
    $("check-message").textContent = say("fixing", { bib: entry.bib, time: formatTime(entry.time) });
    $("record-anyway").textContent = say("record_now");
    $("check").hidden = false;
    renderTeamCard();
    $("bib").focus();
  }

  async function dismiss(entry) {
    entry.dismissed = true;
    await outbox.keep(entry);
    if (held && held.fixes === entry.id) {
      hideCheck();
      $("bib").value = ""; // its bib was on the field to fix: the next bib starts empty
      renderTeamCard();
    }
    tell(say("dismissed", { bib: entry.bib }));
    renderAll();
  }

  // --- time first: taps now, bibs after, paired in order ---------------------------------------

  // What the next bib pairs with: the oldest tap without one, which is not the last tap made.
  function nextBibPrompt() {
    const list = taps();
    const next = pairTarget(list, null);
    return next ? " " + say("next_bib", { number: list.indexOf(next) + 1, time: formatTime(next.time) }) : "";
  }

  async function addTap() {
    if (outbox.state.closed) return;
    const entry = await outbox.create("", clock.now(), clock.offset, "tap");
    tell(say("tap_recorded", { number: taps().length, time: formatTime(entry.time) }) + nextBibPrompt());
    renderTaps();
  }

  async function pairBib(bib) {
    const list = taps();
    const target = pairTarget(list, view.selectedTap);
    if (!target) {
      tell(say("no_tap_waiting"));
      return;
    }
    target.bib = bib;
    view.selectedTap = null;
    await outbox.keep(target);
    $("bib").value = "";
    tell(say("paired", { number: list.indexOf(target) + 1, bib }) + nextBibPrompt());
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
      renderTeamCard();
      renderAll();
      return;
    }
    askVoid(entry, "");
  }

  let voiding = null;

  function askVoid(entry, reason) {
    voiding = entry;
    const team = roster.teamFor(entry.bib);
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
    renderTeamCard(); // the card spoke of the entry now voided
    renderAll();
    outbox.sync();
  }

  function undo() {
    // Undo takes back what this mode shows: the last tap in time first, the last entry in bib first.
    const undoable = view.mode === "time" ? ["tap"] : ["waiting", "stored"];
    const last = outbox.newestFirst().find((e) => undoable.includes(e.state) && !e.voidReason);
    if (!last) tell(say("nothing_to_undo"));
    else if (last.state === "tap" || (last.state === "waiting" && !last.attempted)) forget(last);
    else askVoid(last, say("undo_reason"));
  }

  // --- the message line and the mode -------------------------------------------------------------

  // `tone`: "stored" or "refused" colours the line, so a refusal never reads like a success.
  function tell(text, tone) {
    told = null;
    $("message").textContent = text;
    $("message").dataset.tone = tone || "";
  }

  function setMode(value) {
    view.selectedTap = null;
    view.mode = value === "time" ? "time" : "bib";
    localStorage.setItem("tasuki-mode-" + STATION_KEY, view.mode);
    $("keypad").dataset.mode = view.mode;
    $("tap-panel").hidden = view.mode !== "time";
    for (const button of document.querySelectorAll(".mode-switch button")) {
      button.setAttribute("aria-pressed", String(button.dataset.mode === view.mode));
    }
    hideCheck();
    renderTeamCard("");
    renderTaps();
    renderOutbox();
  }

  // --- the teams due next: the server's list, asked again once an entry is stored --------------

  // The panel's own trigger (keypad.html) asks the server; the drawing leaves out what this
  // phone has recorded since (keypad-screen.js).
  function askNextIn() {
    const panel = $("next-in");
    if (panel) panel.dispatchEvent(new CustomEvent("stored-here"));
  }

  function bindNextIn() {
    const panel = $("next-in");
    if (!panel) return;
    let askedAt = 0;
    panel.addEventListener("htmx:beforeRequest", () => {
      askedAt = Date.now();
    });
    panel.addEventListener("htmx:afterSwap", () => {
      view.nextInAskedAt = askedAt;
      screen.renderNextIn();
    });
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
      if (value === "back" || value === "clear") spent = false;
      else startOver();
      if (value === "back") input.value = input.value.slice(0, -1);
      else if (value === "clear") input.value = "";
      else input.value += value;
      renderTeamCard();
    });
    // The phone's own keyboard: a character typed on a spent bib starts a new one too.
    input.addEventListener("beforeinput", (event) => {
      if (event.inputType.startsWith("insert")) startOver();
      else spent = false;
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
      else if (view.mode === "time") await pairBib(bib);
      else await enter(bib, tappedAt);
    });
    $("record-anyway").addEventListener("click", async () => {
      if (!held) return;
      const { bib, at } = held;
      const { fixes } = held;
      const typed = input.value.trim();
      hideCheck();
      input.value = "";
      // Fixing a refusal, this button records the bib as typed with the time now.
      if (fixes) await record(typed || bib, clock.now(), fixes);
      else await record(bib, at);
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
        if (view.selectedTap === entry.id) view.selectedTap = null;
        await forget(entry);
      } else {
        view.selectedTap = view.selectedTap === entry.id ? null : entry.id;
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
    $("refused").addEventListener("click", async (event) => {
      const button = event.target.closest("button[data-action]");
      const entry = button && outbox.get(button.closest("li").dataset.id);
      if (!entry) return;
      if (button.dataset.action === "fix") fix(entry);
      else await dismiss(entry);
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
    bindNextIn(); // before the panel's first answer
    clock.load();
    await roster.load().catch(() => undefined);
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
