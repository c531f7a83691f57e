/* The station keypad (templates/officials/keypad.html), offline first.
 *
 * An entry is born in this phone: it gets its id here (the API's `id`, so a re-sent entry is
 * stored once) and its time at the tap, from the phone's clock corrected by the offset to the
 * server's. It is written to IndexedDB before anything is sent, and stays there until the
 * server has it: a dead network, a reload, a closed tab or a restarted phone lose nothing.
 * The waiting entries go out in order, retried 1 s, 2 s, 4 s … up to every 30 s, and at once
 * when the phone comes back online.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("keypad-config").textContent);
  const STATION_KEY = config.race + "/" + config.station;
  const SAME_BIB_MS = 60 * 1000;
  const RETRY_FIRST_MS = 1000;
  const RETRY_MAX_MS = 30 * 1000;
  const REMEASURE_MS = 60 * 1000;
  const BATCH = 500; // the API takes up to 1,000 in one post
  const KEPT_FINISHED = 500; // stored, voided and refused entries kept on the phone per station

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

  // --- storage: IndexedDB, written before anything is sent -----------------------------------

  const store = (function () {
    let opening = null;

    function open() {
      if (!opening) {
        opening = new Promise((resolve, reject) => {
          const request = indexedDB.open("tasuki-keypad", 1);
          request.onupgradeneeded = () => {
            const base = request.result;
            base.createObjectStore("entries", { keyPath: "id" }).createIndex("station", "stationKey");
            base.createObjectStore("rosters", { keyPath: "key" });
          };
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
      }
      return opening;
    }

    async function run(name, mode, work) {
      const base = await open();
      return new Promise((resolve, reject) => {
        // "strict": on disk before we say it is kept, so a phone that dies now loses nothing.
        const tx = base.transaction(name, mode, { durability: "strict" });
        const request = work(tx.objectStore(name));
        tx.oncomplete = () => resolve(request ? request.result : undefined);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
    }

    return {
      put: (name, value) => run(name, "readwrite", (s) => s.put(value)),
      remove: (name, key) => run(name, "readwrite", (s) => s.delete(key)),
      get: (name, key) => run(name, "readonly", (s) => s.get(key)),
      entriesOf: (key) => run("entries", "readonly", (s) => s.index("station").getAll(key)),
    };
  })();

  // --- the clock: the phone's, corrected by the measured offset to the server's --------------

  const clock = {
    offset: null,
    measuredAt: null,

    load() {
      try {
        const saved = JSON.parse(localStorage.getItem("tasuki-clock-offset") || "null");
        if (saved) {
          this.offset = saved.offset;
          this.measuredAt = saved.measuredAt;
        }
      } catch (error) {
        /* nothing saved yet */
      }
    },

    now() {
      return Date.now() + (this.offset || 0);
    },

    async measure() {
      // The fastest of three round trips gives the best estimate: offset = server − midpoint.
      let best = null;
      for (let i = 0; i < 3; i += 1) {
        const t0 = Date.now();
        const response = await fetch(config.urls.clock, { cache: "no-store", credentials: "same-origin" });
        const t1 = Date.now();
        if (response.status === 401) {
          showAuthProblem(true);
          return;
        }
        if (!response.ok) return;
        const body = await response.json();
        const sample = { offset: body.now_ms - (t0 + t1) / 2, rtt: t1 - t0 };
        if (!best || sample.rtt < best.rtt) best = sample;
      }
      this.offset = Math.round(best.offset);
      this.measuredAt = Date.now();
      localStorage.setItem(
        "tasuki-clock-offset",
        JSON.stringify({ offset: this.offset, measuredAt: this.measuredAt })
      );
      renderStatus();
    },

    describe() {
      if (this.offset === null) return say("offset_unknown");
      const seconds = (this.offset >= 0 ? "+" : "−") + (Math.abs(this.offset) / 1000).toFixed(1);
      const minutes = Math.floor((Date.now() - this.measuredAt) / 60000);
      return minutes >= 3 ? say("offset_old", { offset: seconds, minutes }) : say("offset", { offset: seconds });
    },
  };

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
    if (response.status === 401) {
      showAuthProblem(true);
      return;
    }
    if (!response.ok) return;
    roster = await response.json();
    await store.put("rosters", { key: STATION_KEY, roster, fetchedAt: Date.now() });
    document.body.dataset.roster = "fresh";
    renderTeamCard();
    renderTaps();
  }

  const own = (object, key) => Object.prototype.hasOwnProperty.call(object, key);

  function teamFor(bib) {
    if (!roster || !bib) return null;
    const teamBib = own(roster.teams, bib) ? bib : own(roster.aliases, bib) ? roster.aliases[bib] : null;
    return teamBib === null ? null : Object.assign({ bib: teamBib }, roster.teams[teamBib]);
  }

  function warningsFor(bib, at, exceptId) {
    if (!roster) return []; // nothing to compare with yet: the server checks
    const team = teamFor(bib);
    if (!team) return [say("unknown_bib", { bib })];
    const warnings = [];
    const recent = newestFirst().find(
      (entry) =>
        entry.id !== exceptId &&
        entry.bib &&
        (entry.state === "waiting" || entry.state === "stored") &&
        !entry.voidReason &&
        teamBibOf(entry) === team.bib &&
        Math.abs(at - entry.time) < SAME_BIB_MS
    );
    if (recent) {
      warnings.push(
        say("same_bib", { bib: team.bib, seconds: Math.round(Math.abs(at - recent.time) / 1000) })
      );
    } else if (team.here_ms !== null && team.here_ms !== undefined) {
      warnings.push(say("already_here", { bib: team.bib, time: formatTime(team.here_ms) }));
    }
    if (team.reached_position !== null && team.reached_position > roster.position) {
      warnings.push(say("past_station", { bib: team.bib, station: team.reached }));
    }
    if (team.status) warnings.push(say("status", { bib: team.bib, status: team.status }));
    return warnings;
  }

  function teamBibOf(entry) {
    const team = teamFor(entry.bib);
    return team ? team.bib : entry.bib;
  }

  // --- entries ---------------------------------------------------------------------------------
  // state: "tap" (time first, held for its bib), "waiting", "stored", "refused", "voided".
  // `attempted`: a post left the phone, so the server may have it: it can no longer be dropped,
  // only voided. `voidReason`: a void asked for and not yet confirmed.

  const entries = new Map();
  let lastSeq = 0;

  function nextSeq() {
    lastSeq = Math.max(lastSeq + 1, Date.now() * 1000);
    return lastSeq;
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // Outside a secure context (plain http on a LAN) randomUUID is missing; getRandomValues is not.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  async function keep(entry) {
    entries.set(entry.id, entry);
    await store.put("entries", entry);
  }

  async function drop(entry) {
    entries.delete(entry.id);
    await store.remove("entries", entry.id);
  }

  function inOrder() {
    return Array.from(entries.values()).sort((a, b) => a.seq - b.seq);
  }

  function newestFirst() {
    return inOrder().reverse();
  }

  function shownState(entry) {
    if (entry.voidReason && (entry.state === "waiting" || entry.state === "stored")) return "voiding";
    return entry.state;
  }

  function newEntry(bib, at, state) {
    return {
      id: newId(),
      stationKey: STATION_KEY,
      race: config.race,
      station: config.station,
      bib,
      time: at,
      offset: clock.offset,
      seq: nextSeq(),
      state,
      attempted: false,
      voidReason: "",
      message: "",
    };
  }

  async function record(bib, at) {
    const entry = newEntry(bib, at, "waiting");
    await keep(entry);
    showTeam(bib, entry.time);
    say_(say("recorded", { bib, time: formatTime(at) }));
    renderAll();
    sync();
  }

  async function forget(entry) {
    // Before anything left the phone an entry can simply go; after, only a void takes it back.
    if (entry.state === "tap" || (entry.state === "waiting" && !entry.attempted)) {
      await drop(entry);
      say_(entry.state === "tap" ? say("tap_dropped", { time: formatTime(entry.time) }) : say("dropped", { bib: entry.bib }));
      renderAll();
      return;
    }
    askVoid(entry, "");
  }

  async function prune() {
    const finished = newestFirst().filter((e) => ["stored", "voided", "refused"].includes(e.state) && !e.voidReason);
    for (const entry of finished.slice(KEPT_FINISHED)) await drop(entry);
  }

  // --- sending: in order, retried with back-off until the server has each one ----------------

  let syncing = false;
  let syncAgain = false;
  let retryDelay = 0;
  let retryTimer = null;
  let nextTryAt = null;
  let online = navigator.onLine;
  let trouble = "";

  function csrfToken() {
    const prefix = config.csrfCookie + "=";
    const cookie = document.cookie.split("; ").find((c) => c.startsWith(prefix));
    return cookie ? decodeURIComponent(cookie.slice(prefix.length)) : "";
  }

  function post(url, payload) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(payload),
    });
  }

  async function readJson(response) {
    try {
      return await response.json();
    } catch (error) {
      return null;
    }
  }

  function messagesOf(body, fallback) {
    if (body && Array.isArray(body.errors) && body.errors.length) {
      return body.errors.map((e) => (e.field ? e.field + ": " : "") + (e.message || "")).join(" ");
    }
    if (body && typeof body.detail === "string") return body.detail;
    return fallback;
  }

  function asRecord(entry) {
    return {
      id: entry.id,
      bib: entry.bib,
      station: config.station,
      time: new Date(entry.time).toISOString(),
      source: config.source,
    };
  }

  function sync() {
    if (syncing) {
      syncAgain = true;
      return;
    }
    syncing = true;
    clearTimeout(retryTimer);
    retryTimer = null;
    (async () => {
      let done = false;
      try {
        do {
          syncAgain = false;
          done = await sendEverything();
        } while (done && syncAgain);
      } catch (error) {
        done = false;
        trouble = String(error);
      } finally {
        syncing = false;
        if (done) {
          retryDelay = 0;
          nextTryAt = null;
          trouble = "";
          await prune();
        } else {
          retryDelay = retryDelay ? Math.min(retryDelay * 2, RETRY_MAX_MS) : RETRY_FIRST_MS;
          nextTryAt = Date.now() + retryDelay;
          retryTimer = setTimeout(sync, retryDelay);
        }
        renderAll();
      }
    })();
  }

  // True when everything there was to send has an answer; false: try again later.
  async function sendEverything() {
    for (;;) {
      const waiting = inOrder().filter((e) => e.state === "waiting");
      if (!waiting.length) break;
      if ((await sendBatch(waiting.slice(0, BATCH))) === "retry") return false;
    }
    for (const entry of inOrder().filter((e) => e.state === "stored" && e.voidReason)) {
      if ((await sendVoid(entry)) === "retry") return false;
    }
    return true;
  }

  async function sendBatch(batch) {
    for (const entry of batch) {
      if (!entry.attempted) {
        entry.attempted = true;
        await keep(entry);
      }
    }
    let response;
    try {
      response = await post(config.urls.timings, batch.length === 1 ? asRecord(batch[0]) : batch.map(asRecord));
    } catch (error) {
      setOnline(false);
      return "retry";
    }
    setOnline(true);
    if (response.ok) {
      showAuthProblem(false);
      for (const entry of batch) {
        entry.state = "stored";
        entry.message = "";
        await keep(entry);
      }
      renderAll();
      return "done";
    }
    const body = await readJson(response);
    if (response.status === 401 || response.status === 403) {
      showAuthProblem(true, messagesOf(body, ""));
      return "retry";
    }
    if (response.status === 400 || response.status === 409) {
      showAuthProblem(false);
      const errors = body && Array.isArray(body.errors) ? body.errors : [];
      const indexed = errors.filter((e) => Number.isInteger(e.index) && batch[e.index]);
      if (batch.length === 1) {
        await refuse(batch[0], messagesOf(body, String(response.status)));
      } else if (indexed.length) {
        // The others are sent again with the next batch; their ids keep them from counting twice.
        for (const [index, entry] of batch.entries()) {
          const own = indexed.filter((e) => e.index === index);
          if (own.length) await refuse(entry, messagesOf({ errors: own }, ""));
        }
      } else {
        // The answer does not say which entry is wrong: ask about each on its own.
        for (const entry of batch) {
          if ((await sendBatch([entry])) === "retry") return "retry";
        }
      }
      renderAll();
      return "done";
    }
    trouble =
      response.status === 404 || response.status === 405
        ? say("no_endpoint", { status: response.status })
        : say("server_trouble", { status: response.status });
    return "retry";
  }

  async function refuse(entry, message) {
    entry.state = "refused";
    entry.message = message;
    entry.voidReason = ""; // nothing stored: nothing to void
    await keep(entry);
  }

  async function sendVoid(entry) {
    let response;
    try {
      response = await post(config.urls.void, { read_id: entry.id, reason: entry.voidReason });
    } catch (error) {
      setOnline(false);
      return "retry";
    }
    setOnline(true);
    if (response.ok) {
      entry.state = "voided";
      entry.message = entry.voidReason;
      entry.voidReason = "";
      await keep(entry);
      return "done";
    }
    const body = await readJson(response);
    if (response.status === 401) {
      showAuthProblem(true, messagesOf(body, ""));
      return "retry";
    }
    if (response.status >= 400 && response.status < 500) {
      entry.voidReason = "";
      entry.message = say("void_refused", { message: messagesOf(body, String(response.status)) });
      await keep(entry);
      return "done";
    }
    trouble = say("server_trouble", { status: response.status });
    return "retry";
  }

  function setOnline(value) {
    online = value;
    renderStatus();
  }

  function showAuthProblem(shown, message) {
    const note = $("auth-problem");
    note.hidden = !shown;
    if (shown && message) note.firstElementChild.textContent = message + " " + say("login_again");
  }

  // --- time first: taps now, bibs after, paired in order ---------------------------------------

  let selectedTap = null;

  function taps() {
    return inOrder().filter((e) => e.state === "tap");
  }

  async function addTap() {
    const entry = newEntry("", clock.now(), "tap");
    await keep(entry);
    say_(say("tap_recorded", { number: taps().length, time: formatTime(entry.time) }));
    renderTaps();
  }

  async function pairBib(bib) {
    const list = taps();
    const target = list.find((e) => e.id === selectedTap) || list.find((e) => !e.bib);
    if (!target) {
      say_(say("no_tap_waiting"));
      return;
    }
    target.bib = bib;
    selectedTap = null;
    await keep(target);
    $("bib").value = "";
    showTeam(bib, target.time);
    say_(say("paired", { number: list.indexOf(target) + 1, bib }));
    renderTaps();
  }

  async function sendPaired() {
    const paired = taps().filter((e) => e.bib);
    for (const entry of paired) {
      entry.state = "waiting";
      await keep(entry);
    }
    say_(say("sent_paired", { count: paired.length }));
    renderAll();
    sync();
  }

  // --- the screen --------------------------------------------------------------------------------

  let mode = "bib";
  let held = null; // bib first: an entry stopped by a warning, with the time of its tap
  let enterPressed = null;

  function say_(text) {
    $("message").textContent = text;
  }

  function renderStatus() {
    const net = $("net-state");
    const isOnline = online && navigator.onLine;
    net.textContent = isOnline ? say("online") : say("offline");
    net.classList.toggle("offline", !isOnline);
    $("clock-offset").textContent = clock.describe();
  }

  function renderOutbox() {
    const waiting = Array.from(entries.values()).filter(
      (e) => e.state === "waiting" || (e.state === "stored" && e.voidReason)
    ).length;
    const outbox = $("outbox");
    outbox.classList.toggle("pending", waiting > 0);
    let text = waiting ? say("waiting", { count: waiting }) : say("all_sent");
    if (waiting && nextTryAt && !syncing) {
      text += " · " + say("retry_in", { seconds: Math.max(0, Math.ceil((nextTryAt - Date.now()) / 1000)) });
    }
    if (waiting && trouble) text += " · " + trouble;
    const unpaired = taps().filter((e) => !e.bib).length;
    if (mode === "bib" && unpaired) text += " · " + say("taps_waiting", { count: unpaired });
    outbox.textContent = text;
    outbox.dataset.waiting = String(waiting);
  }

  function teamLines(card, team) {
    card.append(el("div", "team", team.bib + " · " + team.name));
    const lines = [];
    if (roster.arriving_leg) {
      lines.push([roster.relay ? say("arrived") : say("passing"), roster.arriving_leg]);
    }
    if (roster.leaving_leg) lines.push([say("next"), roster.leaving_leg]);
    for (const [label, leg] of lines) {
      const line = el("div", "runner");
      line.append(el("b", "", label + " "));
      line.append(document.createTextNode(say("leg", { number: leg }) + " · " + (team.runners[leg] || "—")));
      card.append(line);
    }
  }

  function showTeam(bib, at) {
    renderTeamCard(bib, at);
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
    teamLines(card, team);
    if (at !== undefined) card.append(el("div", "muted", formatTime(at)));
  }

  function showCheck(warnings) {
    $("check-message").textContent = warnings.join(" ");
    $("check").hidden = false;
  }

  function hideCheck() {
    held = null;
    $("check").hidden = true;
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

  function renderEntries() {
    const list = $("entries");
    list.replaceChildren();
    const shown = newestFirst()
      .filter((e) => e.state !== "tap")
      .slice(0, config.entriesShown);
    if (!shown.length) list.append(el("li", "muted empty", say("empty_list")));
    for (const entry of shown) {
      const state = shownState(entry);
      const item = el("li");
      item.dataset.id = entry.id;
      item.dataset.state = state;
      item.append(el("span", "entry-bib", entry.bib));
      const team = teamFor(entry.bib);
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

  // --- the void dialog -------------------------------------------------------------------------

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
    const dialog = $("void-dialog");
    const entry = voiding;
    voiding = null;
    const reason = $("void-reason").value.trim();
    if (dialog.returnValue !== "void" || !entry || !reason) return;
    entry.voidReason = reason;
    await keep(entry);
    say_(say("void_asked", { bib: entry.bib }));
    renderAll();
    sync();
  }

  // --- hands on the screen -------------------------------------------------------------------

  function bind() {
    const input = $("bib");
    const form = $("bib-form");

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

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const pressed = enterPressed && performance.now() - enterPressed.perf < 2000 ? enterPressed.at : null;
      enterPressed = null;
      const tappedAt = pressed === null ? clock.now() : pressed;
      const bib = input.value.trim();
      if (!bib) {
        say_(say("type_a_bib"));
        return;
      }
      if (mode === "time") {
        await pairBib(bib);
        return;
      }
      // A bib stopped by a warning keeps the time of its first tap, even if it is corrected.
      const at = held ? held.at : tappedAt;
      const confirmed = held && held.bib === bib;
      const warnings = confirmed ? [] : warningsFor(bib, at);
      if (warnings.length) {
        held = { bib, at };
        showCheck(warnings);
        return;
      }
      hideCheck();
      input.value = "";
      await record(bib, at);
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
    const tapButton = $("tap-button");
    tapButton.addEventListener("pointerdown", () => {
      lastPointerTap = performance.now();
      addTap();
    });
    tapButton.addEventListener("click", () => {
      if (performance.now() - lastPointerTap > 1000) addTap();
    });
    $("send-paired").addEventListener("click", sendPaired);
    $("taps").addEventListener("click", async (event) => {
      const button = event.target.closest("button[data-action]");
      if (!button) return;
      const entry = entries.get(button.closest("li").dataset.id);
      if (!entry) return;
      if (button.dataset.action === "delete") {
        if (selectedTap === entry.id) selectedTap = null;
        await drop(entry);
        renderTaps();
      } else {
        selectedTap = selectedTap === entry.id ? null : entry.id;
        input.value = entry.bib;
        say_(say("edit_tap", { number: taps().indexOf(entry) + 1 }));
        renderTaps();
      }
    });

    $("entries").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action='forget']");
      if (!button) return;
      const entry = entries.get(button.closest("li").dataset.id);
      if (entry) forget(entry);
    });

    $("undo").addEventListener("click", () => {
      // Undo takes back what this mode shows: the last tap in time first, the last entry in bib first.
      const undoable = mode === "time" ? ["tap"] : ["waiting", "stored"];
      const last = newestFirst().find((e) => undoable.includes(e.state) && !e.voidReason);
      if (!last) {
        say_(say("nothing_to_undo"));
        return;
      }
      if (last.state === "tap" || (last.state === "waiting" && !last.attempted)) forget(last);
      else askVoid(last, say("undo_reason"));
    });

    $("void-dialog").addEventListener("close", voidClosed);

    window.addEventListener("online", () => {
      online = true;
      retryDelay = 0;
      sync();
      measureAndRefresh();
    });
    window.addEventListener("offline", () => setOnline(false));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") {
        sync();
        measureAndRefresh();
      }
    });
  }

  function measureAndRefresh() {
    clock.measure().catch(() => setOnline(false));
    refreshRoster().catch(() => {});
  }

  // --- working without a network: the service worker keeps this page ----------------------------

  async function prepareOffline() {
    if (!("serviceWorker" in navigator)) return;
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
    try {
      await navigator.serviceWorker.register(config.urls.serviceWorker, { scope: "/officials/" });
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
    renderStatus();
    await loadRoster().catch(() => {});
    for (const entry of await store.entriesOf(STATION_KEY)) {
      entries.set(entry.id, entry);
      lastSeq = Math.max(lastSeq, entry.seq);
    }
    bind();
    setMode(localStorage.getItem("tasuki-mode-" + STATION_KEY));
    renderAll();
    document.body.dataset.keypadReady = "yes";
    sync();
    measureAndRefresh();
    setInterval(measureAndRefresh, REMEASURE_MS);
    setInterval(() => {
      renderStatus();
      renderOutbox();
    }, 1000);
    prepareOffline();
  }

  start();
})();
