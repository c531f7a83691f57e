/* The keypad's service worker (results/officials/keypad.py): a station keypad must reload at a
 * roadside with no network. The keypad pages come from the network when it answers and from
 * this cache when it does not; the keypad's script and style from this cache, refreshed behind.
 * Entries never pass through here: the page keeps them in IndexedDB and posts them itself.
 */
const CACHE = "{{ cache_name }}";
const ASSETS = {{ assets_json|safe }};
const SCOPE = {{ scope_json|safe }};
// The keypad pages: SCOPE + "<race>/stations/<code>/".
function isKeypadPage(path) {
  return path.startsWith(SCOPE) && /^[^/]+\/stations\/[^/]+\/$/.test(path.slice(SCOPE.length));
}
const NETWORK_PATIENCE_MS = 5000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(ASSETS))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      // A new version keeps the pages the old one kept, or an update would strand a phone offline.
      const fresh = await caches.open(CACHE);
      for (const name of await caches.keys()) {
        if (name === CACHE || !name.startsWith("tasuki-keypad-")) continue;
        const old = await caches.open(name);
        for (const request of await old.keys()) {
          if (isKeypadPage(new URL(request.url).pathname)) {
            const response = await old.match(request);
            if (response) await fresh.put(request, response);
          }
        }
        await caches.delete(name);
      }
      await self.clients.claim();
    })()
  );
});

function pageKey(url) {
  const parsed = new URL(url, self.location.href);
  return parsed.origin + parsed.pathname;
}

async function keepPage(url) {
  try {
    const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
    if (!response.ok || response.redirected) return false;
    await (await caches.open(CACHE)).put(pageKey(url), response);
    return true;
  } catch (error) {
    return false;
  }
}

self.addEventListener("message", (event) => {
  const port = event.ports && event.ports[0];
  if (event.data && event.data.type === "keep-page") {
    event.waitUntil(keepPage(event.data.url).then((kept) => port && port.postMessage({ kept })));
  }
});

async function keypadPage(request) {
  const cache = await caches.open(CACHE);
  const controller = new AbortController();
  const patience = setTimeout(() => controller.abort(), NETWORK_PATIENCE_MS);
  try {
    const response = await fetch(request, { signal: controller.signal });
    if (response.ok && response.type === "basic") {
      await cache.put(pageKey(request.url), response.clone());
      return response;
    }
    if (response.status < 500) return response; // a login redirect, a 403: the server said so
    throw new Error("server error " + response.status);
  } catch (error) {
    const kept = await cache.match(pageKey(request.url));
    if (kept) return kept;
    throw error;
  } finally {
    clearTimeout(patience);
  }
}

async function asset(event, request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request, { ignoreSearch: true });
  const fresh = fetch(request).then((response) => {
    if (response.ok) cache.put(request, response.clone());
    return response;
  });
  if (kept) {
    event.waitUntil(fresh.catch(() => undefined));
    return kept;
  }
  return fresh;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && isKeypadPage(url.pathname)) {
    event.respondWith(keypadPage(request));
  } else if (ASSETS.includes(url.pathname)) {
    event.respondWith(asset(event, request));
  }
});
