/* The keypad's outbox: a station's entries on this phone, and their way to the server.
 *
 * An entry is born in this phone: it gets its id here (the device API's `id`, so an entry
 * sent twice is stored once) and is written to IndexedDB before anything is sent. The
 * waiting entries go out in order to POST /api/v1/races/<slug>/timings, retried 1 s, 2 s,
 * 4 s … up to every 30 s (keypad-logic.js) until the server has them, and at once when the
 * phone is back online; nothing is posted while the phone says it is offline.
 *
 * An entry's state: "tap" (time first: held for its bib, never sent as such), "waiting",
 * "stored", "refused" (the server said why, in `message`; `raceClosed` when the race is closed and
 * no fix can help; `dismissed` once the official has dealt with it) or "voided". `attempted`: a post
 * left the phone, so the server may have it; from then on it can only be voided, not dropped.
 * `storedAt`: when this phone heard the server has it. `voidReason`: a void asked for and not yet confirmed by the server.
 */
(function (keypad) {
  "use strict";

  const BATCH = 500; // the API takes up to 1,000 in one post
  const KEPT_FINISHED = 500; // stored, voided and refused entries kept on the phone per station
  const POST_PATIENCE_MS = 20 * 1000;

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // Outside a secure context (plain http on a LAN) randomUUID is missing; getRandomValues is not.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  async function readJson(response) {
    try {
      return await response.json();
    } catch (error) {
      return null;
    }
  }

  function perRead(body) {
    return Boolean(body && Array.isArray(body.errors) && body.errors.some((e) => Number.isInteger(e.index)));
  }

  /* config: the page's keypad config; store: keypad.openStore(); say: the page's words;
   * changed(): called whenever an entry or the state below changes, for the screen to redraw;
   * stored(): called once the server has stored entries, for what it shows to be asked again. */
  keypad.Outbox = function ({ config, store, say, changed, stored = () => undefined }) {
    const stationKey = config.race + "/" + config.station;

    // The API's and the void's problems ({"errors": [{index, field, message}]}) as one line,
    // a field's problem in the server's words for it (a translation may reorder them).
    function messagesOf(body, fallback) {
      if (body && Array.isArray(body.errors) && body.errors.length) {
        const line = (e) => (e.field ? say("field_problem", { field: e.field, message: e.message || "" }) : e.message || "");
        return body.errors.map(line).join(" ");
      }
      if (body && typeof body.detail === "string") return body.detail;
      return fallback;
    }

    const entries = new Map();
    let lastSeq = 0;
    let syncing = false;
    let syncAgain = false;
    let retryDelay = 0;
    let retryTimer = null;

    // What the screen shows about the sending.
    const state = {
      online: navigator.onLine,
      nextTryAt: null,
      trouble: "", // why the last try failed, when it was not the network
      loginNeeded: null, // null, or the server's words when the session ended
      closed: Boolean(config.closed), // the race is closed: the server stores no more entries
    };

    function nextSeq() {
      lastSeq = Math.max(lastSeq + 1, Date.now() * 1000);
      return lastSeq;
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

    async function load() {
      for (const entry of await store.entriesOf(stationKey)) {
        entries.set(entry.id, entry);
        lastSeq = Math.max(lastSeq, entry.seq);
      }
    }

    async function create(bib, at, offset, kind) {
      const entry = {
        id: newId(),
        stationKey,
        race: config.race,
        station: config.station,
        bib,
        time: at,
        offset,
        seq: nextSeq(),
        state: kind,
        attempted: false,
        voidReason: "",
        message: "",
      };
      await keep(entry);
      return entry;
    }

    async function prune() {
      const finished = inOrder()
        .reverse()
        .filter((e) => ["stored", "voided", "refused"].includes(e.state) && !e.voidReason);
      for (const entry of finished.slice(KEPT_FINISHED)) await drop(entry);
    }

    function csrfToken() {
      const prefix = config.csrfCookie + "=";
      const cookie = document.cookie.split("; ").find((c) => c.startsWith(prefix));
      return cookie ? decodeURIComponent(cookie.slice(prefix.length)) : config.csrfToken;
    }

    async function post(url, payload) {
      // A roadside network can swallow a request for minutes; the entries behind it must not
      // wait that long. A post given up on may still have arrived: its ids make the next one safe.
      const giveUp = new AbortController();
      const timer = setTimeout(() => giveUp.abort(), POST_PATIENCE_MS);
      try {
        return await fetch(url, {
          method: "POST",
          credentials: "same-origin",
          cache: "no-store",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
          body: JSON.stringify(payload),
          signal: giveUp.signal,
        });
      } finally {
        clearTimeout(timer);
      }
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

    function setOnline(value) {
      if (state.online !== value) {
        state.online = value;
        changed();
      }
    }

    function sync() {
      if (syncing) {
        syncAgain = true;
        return;
      }
      syncing = true;
      clearTimeout(retryTimer);
      retryTimer = null;
      state.nextTryAt = null;
      (async () => {
        let done = false;
        try {
          do {
            syncAgain = false;
            done = await sendEverything();
          } while (done && syncAgain);
        } catch (error) {
          done = false;
          state.trouble = say("phone_trouble", { error: String(error) });
        }
        syncing = false;
        if (done) {
          retryDelay = 0;
          state.trouble = "";
          await prune().catch(() => undefined);
        } else {
          retryDelay = keypad.logic.nextRetryDelay(retryDelay);
          state.nextTryAt = Date.now() + retryDelay;
          retryTimer = setTimeout(sync, retryDelay);
        }
        changed();
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
      // A phone without a network sends nothing, so its entries stay unsent: undo can still
      // remove them. It tries again when the phone says it is back online (wake) or at the next try.
      if (navigator.onLine === false) {
        setOnline(false);
        return "retry";
      }
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
        state.loginNeeded = null;
        const storedAt = Date.now();
        for (const entry of batch) {
          entry.state = "stored";
          entry.storedAt = storedAt;
          entry.message = "";
          await keep(entry);
        }
        changed();
        stored();
        return "done";
      }
      const body = await readJson(response);
      if (response.status === 401 || (response.status === 403 && !perRead(body))) {
        // An ended session, or a CSRF token from before a new login: nothing is lost meanwhile.
        state.loginNeeded = messagesOf(body, "");
        return "retry";
      }
      if (response.status === 403) {
        // This official no longer records here (an organiser changed the stations): say so,
        // and keep the entries for an organiser to send or void.
        state.trouble = messagesOf(body, String(response.status));
        return "retry";
      }
      if (response.status === 409 && !perRead(body)) {
        // The race is closed (provisional or official): the server refuses every entry, whatever
        // its bib or time, and only the results desk can add one now.
        state.loginNeeded = null;
        state.closed = true;
        const message = messagesOf(body, String(response.status));
        for (const entry of batch) await refuse(entry, message, true);
        changed();
        return "done";
      }
      if (response.status === 400 || response.status === 409) {
        // A batch is stored whole or not at all: refuse the entries the server names, and the
        // others go again with the next batch (their ids keep them from counting twice).
        state.loginNeeded = null;
        const errors = body && Array.isArray(body.errors) ? body.errors : [];
        const named = errors.filter((e) => Number.isInteger(e.index) && batch[e.index]);
        if (batch.length === 1) {
          await refuse(batch[0], messagesOf(body, String(response.status)));
        } else if (named.length) {
          for (const [index, entry] of batch.entries()) {
            const mine = named.filter((e) => e.index === index);
            if (mine.length) await refuse(entry, messagesOf({ errors: mine }, ""));
          }
        } else {
          // The answer does not say which entry is wrong: ask about each on its own.
          for (const entry of batch) {
            if ((await sendBatch([entry])) === "retry") return "retry";
          }
        }
        changed();
        return "done";
      }
      state.trouble =
        response.status === 404 || response.status === 405
          ? say("no_endpoint", { status: response.status })
          : say("server_trouble", { status: response.status });
      return "retry";
    }

    async function refuse(entry, message, raceClosed = false) {
      entry.state = "refused";
      entry.message = message;
      entry.raceClosed = raceClosed; // no fix makes the server take it
      entry.voidReason = ""; // nothing stored: nothing to void
      await keep(entry);
    }

    async function sendVoid(entry) {
      if (navigator.onLine === false) {
        setOnline(false);
        return "retry";
      }
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
        state.loginNeeded = messagesOf(body, "");
        return "retry";
      }
      if (response.status >= 400 && response.status < 500) {
        entry.voidReason = "";
        entry.message = say("void_refused", { message: messagesOf(body, String(response.status)) });
        await keep(entry);
        return "done";
      }
      state.trouble = say("server_trouble", { status: response.status });
      return "retry";
    }

    return {
      state,
      load,
      create,
      keep,
      drop,
      inOrder,
      get: (id) => entries.get(id),
      newestFirst: () => inOrder().reverse(),
      waiting: () => inOrder().filter((e) => e.state === "waiting" || (e.state === "stored" && e.voidReason)),
      counts: () => keypad.logic.counts(entries.values()),
      sending: () => syncing,
      sync,
      setOnline,
      // The phone says it is back online: try at once, from the first step of the back-off.
      wake() {
        state.online = true;
        retryDelay = 0;
        sync();
      },
    };
  };
})((window.TasukiKeypad = window.TasukiKeypad || {}));
