/* "Follow this team" (templates/results/team_follow.html): subscribe this browser to Web Push
 * for the team, through the public service worker (/races/follow-sw.js), and post the
 * subscription to the site. Where the browser cannot (no service worker, no PushManager, the
 * site has no VAPID key, notifications refused), the e-mail form stays: the page shows it
 * without this script, and this script hides it only while push works.
 *
 * The page is cached for everyone, so whether this browser follows the team is kept here, in
 * localStorage: the stop link the site answered with.
 */
(function () {
  "use strict";
  const box = document.getElementById("follow");
  if (!box) return;
  const key = box.dataset.pushKey;
  const push = box.querySelector(".follow-push");
  const email = box.querySelector(".follow-email");
  const button = box.querySelector(".follow-button");
  const stopButton = box.querySelector(".follow-stop");
  const status = box.querySelector(".follow-status");
  const remembered = "tasuki-follow:" + box.dataset.team;
  const pushWorks =
    key && push && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  if (!pushWorks) return;

  function say(text) {
    status.textContent = text;
  }
  function offerEmail(text) {
    say(text);
    email.hidden = false;
  }
  function showFollowing(following) {
    button.hidden = following;
    stopButton.hidden = !following;
  }
  // The browser's key as PushManager takes it: base64url to bytes.
  function keyBytes(base64url) {
    const base64 = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  }

  push.hidden = false;
  email.hidden = true;
  if (Notification.permission === "denied") offerEmail(box.dataset.textDenied);
  const stopUrl = localStorage.getItem(remembered);
  if (stopUrl) {
    showFollowing(true);
    say(box.dataset.textFollowing);
    // Stopped from a notification, or dropped by the push service: the site no longer knows
    // the link, and the page must not say "you follow".
    fetch(stopUrl, { credentials: "same-origin" }).then((response) => {
      if (response.status === 404) {
        localStorage.removeItem(remembered);
        showFollowing(false);
        say("");
      }
    }, () => undefined);
  }

  button.addEventListener("click", async function () {
    button.disabled = true;
    say(box.dataset.textWorking);
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") {
        offerEmail(box.dataset.textDenied);
        return;
      }
      const registration = await navigator.serviceWorker.register(box.dataset.workerUrl);
      await navigator.serviceWorker.ready;
      const subscription =
        (await registration.pushManager.getSubscription()) ||
        (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) }));
      const response = await fetch(box.dataset.subscribeUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(subscription.toJSON()),
        // The language cookie goes along: the notifications come in the language of the page.
        credentials: "same-origin",
      });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) {
        const problem = answer.errors && answer.errors[0];
        const message = problem ? problem.message : box.dataset.textFailed;
        offerEmail(message.charAt(0).toUpperCase() + message.slice(1));
        return;
      }
      localStorage.setItem(remembered, answer.stop_url);
      showFollowing(true);
      say(box.dataset.textFollowing);
    } catch (error) {
      offerEmail(box.dataset.textFailed);
    } finally {
      button.disabled = false;
    }
  });

  stopButton.addEventListener("click", async function () {
    const stopUrl = localStorage.getItem(remembered);
    stopButton.disabled = true;
    try {
      if (stopUrl) await fetch(stopUrl, { method: "POST", credentials: "same-origin" });
      localStorage.removeItem(remembered);
      showFollowing(false);
      say(box.dataset.textStopped);
    } finally {
      stopButton.disabled = false;
    }
  });
})();
