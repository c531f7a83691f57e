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
  });
  const roster = keypad.Roster({ config, store, outbox, say, formatTime });
  const view = { mode: "bib", selectedTap: null }; // what the screen shows; setMode changes it
  const screen = keypad.Screen({ config, outbox, clock, roster, say, formatTime, view });
  const { taps, renderAll, renderOutbox, renderStatus, renderTaps, renderTeamCard } = screen;

  async function refreshRoster() {
    const refreshed = await roster.refresh();
    if (refreshed === "fresh") {
      renderTeamCard();
      renderTaps();
    }
    return refreshed;
  }

  // --- bib first -----------------------------------------------------------------------------

  let held = null; // an entry stopped by a warning, with the time of its tap
  let told = null; // the entry the message line speaks of, while the server does not have it yet
  let enterPressed = null;

  async function record(bib, at) {
    const entry = await outbox.create(bib, at, clock.offset, "waiting");
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
    if (entry.state === "stored") tell(say("recorded", { bib: entry.bib, time: formatTime(entry.time) }));
    told = null;
  }

  async function enter(bib, tappedAt) {
    // A bib stopped by a warning keeps the time of its first tap, even when it is corrected.
    const at = held ? held.at : tappedAt;
    const confirmed = held && held.bib === bib;
    const warnings = confirmed ? [] : roster.warningsFor(bib, at);
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

  async function addTap() {
    const entry = await outbox.create("", clock.now(), clock.offset, "tap");
    tell(say("tap_recorded", { number: taps().length, time: formatTime(entry.time) }));
    renderTaps();
  }

  async function pairBib(bib) {
    const list = taps();
    const target = list.find((e) => e.id === view.selectedTap) || list.find((e) => !e.bib);
    if (!target) {
      tell(say("no_tap_waiting"));
      return;
    }
    target.bib = bib;
    view.selectedTap = null;
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

  function tell(text) {
    told = null;
    $("message").textContent = text;
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
      else if (view.mode === "time") await pairBib(bib);
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
