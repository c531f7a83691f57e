/* The public service worker (results/following/views.py), scoped to the team pages (/races/): it
 * shows the notifications of a followed team's passes. It caches nothing and answers no request:
 * the live pages stay as the network gives them.
 *
 * A message is JSON: {title, body, url, stop_url, stop_label, stopped_text, tag, lang}, words
 * already in the follower's language.
 */
const SCOPE = {{ scope_json|safe }};

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let message;
  try {
    message = event.data ? event.data.json() : null;
  } catch (error) {
    message = null;
  }
  if (!message || !message.title) return;
  event.waitUntil(
    self.registration.showNotification(message.title, {
      body: message.body,
      lang: message.lang,
      // A newer pass of the same team replaces the older one instead of piling up.
      tag: message.tag,
      renotify: true,
      data: { url: message.url, stopUrl: message.stop_url, stoppedText: message.stopped_text },
      actions: message.stop_url ? [{ action: "stop", title: message.stop_label }] : [],
    })
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = event.notification.data || {};
  if (event.action === "stop" && data.stopUrl) {
    // "Unfollow", pressed on the notification itself: stop at once, and say so once it is done.
    const stop = new URL(data.stopUrl, self.location.origin);
    if (stop.origin !== self.location.origin) return;
    event.waitUntil(
      fetch(stop.href, { method: "POST", credentials: "same-origin" }).then((response) =>
        response.ok && data.stoppedText
          ? self.registration.showNotification(data.stoppedText, { tag: event.notification.tag })
          : self.clients.openWindow(stop.href)
      )
    );
    return;
  }
  // A tap elsewhere opens the team's page.
  const target = new URL(data.url || SCOPE, self.location.origin);
  if (target.origin !== self.location.origin) return;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((client) => client.url === target.href);
      return open ? open.focus() : self.clients.openWindow(target.href);
    })
  );
});
