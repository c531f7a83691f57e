/* The keypad's storage on the phone: IndexedDB, which outlives a reload, a closed tab and a
 * restarted phone. An entry is written here before anything is sent (keypad-outbox.js); the
 * station's roster is kept here for the bibs to mean something offline (keypad.js).
 */
(function (keypad) {
  "use strict";

  keypad.openStore = function () {
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
      entriesOf: (stationKey) => run("entries", "readonly", (s) => s.index("station").getAll(stationKey)),
    };
  };
})((window.TasukiKeypad = window.TasukiKeypad || {}));
