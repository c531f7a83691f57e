"""Following a team: the Follow button's endpoint, the passes announced by Web Push after the
standings refresh, the stop link, the e-mail fallback with its confirmation, and what is refused.

The push service is out of reach: its HTTP call is intercepted (tests/following.py) and what the
site sent is decrypted with the browser's keys, as the browser would."""

import base64
import json
import re
import time
from unittest import mock

from django.core import mail
from django.test import TestCase, override_settings
from django.urls import reverse

from races.audit import Actor
from races.models import Team
from results.following.models import AnnouncedPass, EmailSubscription, PushSubscription
from results.following.tokens import EmailRequest, _confirm_cipher, confirm_token
from results.timing.models import TimingRecord
from results.timing.services import timing_record_create, timing_record_void
from tests.following import (
    EXPECTED_AT_RELAY_2,
    SLUG,
    TEAM,
    TEAM_AT_RELAY_2,
    VAPID,
    BrowserKeys,
    eager_tasks,
    follow_race,
    intercepted_push,
    teams_ahead_at_relay_2,
)

PUSH_URL = f"/races/{SLUG}/teams/{TEAM}/follow/push"
EMAIL_URL = f"/races/{SLUG}/teams/{TEAM}/follow/email"
TEAM_PAGE = f"/races/{SLUG}/teams/{TEAM}/"


class FollowTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.race = follow_race()
        cls.team = Team.objects.get(race=cls.race, bib=TEAM)

    def setUp(self):
        self.enterContext(eager_tasks())

    def follow(self, browser: BrowserKeys, **headers):
        return self.client.post(
            PUSH_URL, json.dumps(browser.subscription()), content_type="application/json", **headers
        )

    def record(self, bib: str, station: str, time: str):
        """A split through the timing service, with what runs after its commit (the standings'
        refresh, then the announcements) run as the commit would run them."""
        with self.captureOnCommitCallbacks(execute=True):
            return timing_record_create(race=self.race, bib=bib, station=station, time=time)[0]


@override_settings(**VAPID)
class TestFollowingByPush(FollowTestCase):
    def test_the_endpoint_stores_what_the_browser_posts_and_nothing_more(self):
        browser = BrowserKeys()
        answer = self.follow(browser, HTTP_ACCEPT_LANGUAGE="ms")
        assert answer.status_code == 201
        assert answer.json()["stop_url"].startswith("/follow/stop/")
        stored = PushSubscription.objects.values().get()
        keys = browser.subscription()["keys"]
        assert stored.pop("created_at") is not None and stored.pop("id")
        assert stored == {
            "team_id": self.team.pk,
            "endpoint": browser.endpoint,
            "p256dh": keys["p256dh"],
            "auth": keys["auth"],
            "language": "ms",
        }

    def test_following_again_from_the_same_browser_is_the_same_subscription(self):
        browser = BrowserKeys()
        self.follow(browser)
        assert self.follow(browser).status_code == 200
        assert PushSubscription.objects.count() == 1

    def test_a_split_sends_one_notification_with_the_pass_in_words(self):
        teams_ahead_at_relay_2(self.race)
        browser = BrowserKeys()
        self.follow(browser)
        with intercepted_push() as push:
            self.record(TEAM, "R2", TEAM_AT_RELAY_2)
        [message] = push.messages_to(browser)
        assert len(push.posts) == 1
        assert message["body"] == EXPECTED_AT_RELAY_2
        assert message["title"] == "301 · Putrajaya Seniors"
        assert message["url"] == TEAM_PAGE
        assert message["stop_label"] == "Unfollow" and message["stop_url"].startswith("/follow/stop/")
        # Signed by the site's VAPID key, and short-lived: a pass is news for minutes.
        headers = push.posts[0][1]["headers"]
        assert (
            headers["authorization"].startswith("vapid t=")
            and VAPID["TASUKI_VAPID_PUBLIC_KEY"] in headers["authorization"]
        )
        assert headers["ttl"] == "900"

    def test_passes_stored_before_following_are_not_sent(self):
        browser = BrowserKeys()
        self.follow(browser)  # the team passed Relay 1 before (tests/following.py)
        with intercepted_push() as push:
            self.record("101", "R2", "07:25:00")  # a refresh: the team's Relay 1 is old news
        assert push.posts == []
        assert AnnouncedPass.objects.filter(team=self.team, station__code="R1").exists()

    def test_a_second_read_at_the_same_station_sends_nothing_more(self):
        browser = BrowserKeys()
        self.follow(browser)
        with intercepted_push() as push:
            self.record(TEAM, "R2", TEAM_AT_RELAY_2)
            self.record(TEAM, "R2", "07:32:30.900")  # the chip mat after the tablet
            self.record(TEAM, "R2", "07:32:29")  # even an earlier one: the pass was told
        assert len(push.messages_to(browser)) == 1

    def test_a_voided_read_sends_nothing(self):
        browser = BrowserKeys()
        self.follow(browser)
        with intercepted_push() as push, self.captureOnCommitCallbacks(execute=True):
            record, _created = timing_record_create(
                race=self.race, bib=TEAM, station="R2", time=TEAM_AT_RELAY_2
            )
            timing_record_void(record=record, reason="wrong bib typed", actor=Actor("alice"))
        assert push.posts == []
        assert not AnnouncedPass.objects.filter(team=self.team, station__code="R2").exists()

    def test_every_follower_hears_once_in_their_own_language(self):
        english, malay = BrowserKeys(), BrowserKeys()
        self.follow(english)
        self.follow(malay, HTTP_ACCEPT_LANGUAGE="ms")
        with intercepted_push() as push:
            self.record(TEAM, "R2", TEAM_AT_RELAY_2)
        assert [m["lang"] for m in push.messages_to(english)] == ["en"]
        assert [m["lang"] for m in push.messages_to(malay)] == ["ms"]

    def test_the_finish_and_a_checkpoint_are_told_too(self):
        browser = BrowserKeys()
        self.follow(browser)
        with intercepted_push() as push:
            self.record(TEAM, "CP1", "07:16:00")
            self.record(TEAM, "FINISH", "08:45:10")
        bodies = [m["body"] for m in push.messages_to(browser)]
        assert bodies == [
            "Leg 2 at Checkpoint 7.5: Aminah passed, 1st (1st Mixed Senior), 0:46:00",
            "Finish: Mei brought the tasuki home, 1st (1st Mixed Senior), 2:15:10",
        ]

    def test_a_subscription_the_push_service_says_is_gone_is_deleted(self):
        browser, other = BrowserKeys(), BrowserKeys()
        self.follow(browser)
        with intercepted_push(status=410) as push:
            self.record(TEAM, "R2", TEAM_AT_RELAY_2)
        assert len(push.posts) == 1
        assert not PushSubscription.objects.exists()
        self.follow(other)
        with intercepted_push(status=404):
            self.record(TEAM, "R3", "07:55:00")
        assert not PushSubscription.objects.exists()

    def test_the_stop_link_stops_and_only_its_holder_may(self):
        browser = BrowserKeys()
        stop_url = self.follow(browser).json()["stop_url"]
        page = self.client.get(stop_url)
        assert page.status_code == 200 and "Stop following" in page.content.decode()
        assert PushSubscription.objects.exists()  # a link opened (by a mail scanner too) stops nothing
        forged = stop_url.replace("/follow/stop/", "/follow/stop/x")
        assert self.client.post(forged).status_code == 200  # the same answer as "stopped already"
        assert PushSubscription.objects.exists()
        assert self.client.get(forged).status_code == 404
        assert self.client.post(stop_url).status_code == 200
        assert not PushSubscription.objects.exists()
        with intercepted_push() as push:
            self.record(TEAM, "R2", TEAM_AT_RELAY_2)
        assert push.posts == []

    def test_a_stop_link_of_a_deleted_subscription_stops_no_later_one(self):
        stop_url = self.follow(BrowserKeys()).json()["stop_url"]
        old_id = PushSubscription.objects.get().id
        PushSubscription.objects.all().delete()
        later = BrowserKeys().subscription()
        PushSubscription.objects.create(  # the same id again, as SQLite may give it
            id=old_id, team=self.team, endpoint=later["endpoint"], language="en", **later["keys"]
        )
        self.client.post(stop_url)
        assert PushSubscription.objects.filter(id=old_id).exists()

    def test_deleting_the_team_deletes_its_followers(self):
        self.follow(BrowserKeys())
        Team.objects.filter(pk=self.team.pk).delete()
        assert not PushSubscription.objects.exists()

    def test_the_team_page_offers_push_and_e_mail(self):
        page = self.client.get(TEAM_PAGE).content.decode()
        assert f'data-push-key="{VAPID["TASUKI_VAPID_PUBLIC_KEY"]}"' in page
        assert 'class="follow-button"' in page and 'class="follow-email"' in page
        assert "/static/following/follow.js" in page
        # Under the team's name, a link down to it: the first screen is the team's race.
        assert page.index('href="#follow"') < page.index('id="team-live"') < page.index('id="follow"')

    def test_a_finished_team_or_a_closed_race_offers_no_follow(self):
        self.record(TEAM, "FINISH", "08:45:10")
        finished = self.client.get(TEAM_PAGE).content.decode()
        assert 'id="follow"' not in finished and 'href="#follow"' not in finished
        assert 'id="follow"' in self.client.get(f"/races/{SLUG}/teams/101/").content.decode()

    def test_one_followers_failed_delivery_keeps_the_pass_from_no_other(self):
        first, second = BrowserKeys(), BrowserKeys()
        self.follow(first)
        self.follow(second)
        with (
            mock.patch(
                "results.following.delivery.pywebpush.webpush", side_effect=[RuntimeError("down"), None]
            ) as sent,
            self.assertLogs("results.following.tasks", "ERROR"),
        ):
            self.record(TEAM, "R2", TEAM_AT_RELAY_2)
        assert sent.call_count == 2

    def test_no_page_export_or_api_answer_shows_a_follower(self):
        browser = BrowserKeys()
        self.follow(browser)
        for url in (
            TEAM_PAGE,
            f"/races/{SLUG}/",
            f"/api/v1/races/{SLUG}/results",
            f"/races/{SLUG}/?_export=csv",
        ):
            body = self.client.get(url).content.decode()
            assert browser.endpoint not in body and browser.subscription()["keys"]["auth"] not in body, url


@override_settings(**VAPID)
class TestFollowRefusals(FollowTestCase):
    def refused(self, body, content_type="application/json") -> dict:
        answer = self.client.post(
            PUSH_URL, body if isinstance(body, str) else json.dumps(body), content_type=content_type
        )
        assert answer.status_code in (400, 415), answer.content
        assert not PushSubscription.objects.exists()
        return {problem["field"]: problem["message"] for problem in answer.json()["errors"]}

    def test_an_endpoint_off_the_push_services_is_refused(self):
        # The server posts to the endpoint: never to its own network or a stranger's server.
        for endpoint in (
            "http://fcm.googleapis.com/x",
            "https://127.0.0.1:6379/",
            "https://evil.example/fcm.googleapis.com",
            "https://fcm.googleapis.com.evil.example/x",
            "https://user@fcm.googleapis.com/x",
            "ftp://x",
        ):
            subscription = {**BrowserKeys().subscription(), "endpoint": endpoint}
            assert "known push service" in self.refused(subscription)["endpoint"], endpoint

    def test_keys_of_the_wrong_size_are_refused(self):
        subscription = BrowserKeys().subscription()
        subscription["keys"] = {"p256dh": "AAAA", "auth": "not base64url!"}
        problems = self.refused(subscription)
        assert "65 bytes" in problems["keys.p256dh"] and "16 bytes" in problems["keys.auth"]
        assert "keys are missing" in self.refused({"endpoint": BrowserKeys().endpoint})["keys"]

    def test_what_a_subscription_does_not_hold_is_refused(self):
        assert "leave out" in self.refused({**BrowserKeys().subscription(), "email": "a@b.c"})["email"]

    def test_a_body_that_is_not_a_json_object_is_refused(self):
        assert "JSON object" in self.refused([1, 2])[None]
        assert "not JSON" in self.refused("{")[None]
        assert (
            "Content-Type: application/json"
            in self.refused("endpoint=x", "application/x-www-form-urlencoded")[None]
        )

    def test_an_unknown_team_is_a_404(self):
        answer = self.client.post(
            f"/races/{SLUG}/teams/999/follow/push",
            json.dumps(BrowserKeys().subscription()),
            content_type="application/json",
        )
        assert answer.status_code == 404

    @override_settings(TASUKI_FOLLOW_RATE=(2, 600))
    def test_one_client_may_follow_only_so_often(self):
        assert self.follow(BrowserKeys()).status_code == 201
        assert self.follow(BrowserKeys()).status_code == 201
        answer = self.follow(BrowserKeys())
        assert answer.status_code == 429 and int(answer["Retry-After"]) > 0
        assert "try again in" in answer.json()["errors"][0]["message"]
        assert PushSubscription.objects.count() == 2

    def test_a_closed_race_takes_no_followers(self):
        from races.services import race_close

        race_close(race=self.race, actor=Actor("olivia"))
        answer = self.client.post(
            PUSH_URL, json.dumps(BrowserKeys().subscription()), content_type="application/json"
        )
        assert answer.status_code == 409 and "the race is over" in answer.json()["errors"][0]["message"]
        assert self.client.post(EMAIL_URL, {"email": "mum@example.org"}).status_code == 409
        assert not PushSubscription.objects.exists() and mail.outbox == []

    def test_the_follow_endpoint_takes_posts_only(self):
        assert self.client.get(PUSH_URL).status_code == 405


@override_settings(TASUKI_VAPID_PUBLIC_KEY="", TASUKI_VAPID_PRIVATE_KEY="", TASUKI_VAPID_SUBJECT="")
class TestFollowingByEmail(FollowTestCase):
    def confirm_link(self) -> str:
        [message] = mail.outbox
        return re.search(r"https?://\S+/follow/confirm/\S+/", message.body).group(0).split("8000", 1)[1]

    def test_without_vapid_keys_the_page_offers_e_mail_only(self):
        page = self.client.get(TEAM_PAGE).content.decode()
        assert 'data-push-key=""' in page and "follow-button" not in page
        assert 'class="follow-email"' in page

    def test_asking_sends_a_confirmation_and_stores_nothing(self):
        answer = self.client.post(EMAIL_URL, {"email": "mum@example.org"})
        assert answer.status_code == 200 and "Check your inbox" in answer.content.decode()
        [message] = mail.outbox
        assert message.to == ["mum@example.org"] and "301 Putrajaya Seniors" in message.subject
        assert not EmailSubscription.objects.exists()
        page = self.client.get(self.confirm_link())
        assert (
            page.status_code == 200 and not EmailSubscription.objects.exists()
        )  # a scanner opening it follows nothing

    def test_confirmed_the_address_hears_of_each_pass_and_can_stop_in_one_click(self):
        teams_ahead_at_relay_2(self.race)
        self.client.post(EMAIL_URL, {"email": "mum@example.org"}, HTTP_ACCEPT_LANGUAGE="en")
        assert self.client.post(self.confirm_link()).status_code == 200
        follower = EmailSubscription.objects.get()
        assert (follower.team, follower.email, follower.language) == (self.team, "mum@example.org", "en")
        mail.outbox.clear()
        self.record(TEAM, "R2", TEAM_AT_RELAY_2)
        [message] = mail.outbox
        assert message.to == ["mum@example.org"]
        assert message.subject == f"301 · Putrajaya Seniors: {EXPECTED_AT_RELAY_2}"
        assert message.body.startswith(EXPECTED_AT_RELAY_2)
        stop = re.search(r"Stop following this team: (\S+)", message.body).group(1)
        assert message.extra_headers["List-Unsubscribe"] == f"<{stop}>"
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        # The mail program's one-click POST stops it, without a page or a token of ours.
        assert (
            self.client.post(stop.split("8000", 1)[1], {"List-Unsubscribe": "One-Click"}).status_code == 200
        )
        assert not EmailSubscription.objects.exists()
        mail.outbox.clear()
        self.record(TEAM, "R3", "07:55:00")
        assert mail.outbox == []

    def test_a_bad_address_is_refused_and_nothing_is_sent(self):
        answer = self.client.post(EMAIL_URL, {"email": "mum at home"})
        assert answer.status_code == 400
        assert "write an e-mail address, like name@example.org" in answer.content.decode().lower()
        assert mail.outbox == []

    def test_one_address_gets_three_confirmations_a_day_at_most(self):
        for _ in range(3):
            self.client.post(EMAIL_URL, {"email": "target@example.org"})
        answer = self.client.post(EMAIL_URL, {"email": "Target@example.org"})
        assert answer.status_code == 400 and "confirmations enough today" in answer.content.decode()
        assert len(mail.outbox) == 3

    def test_a_forged_or_old_confirmation_link_stores_nothing(self):
        request = EmailRequest(team_id=self.team.pk, email="x@example.org", language="en")
        with override_settings(SECRET_KEY="another site's key"):
            other_site = confirm_token(request)
        assert self.client.post(f"/follow/confirm/{other_site}/").status_code == 404
        assert self.client.post("/follow/confirm/gAAAAA-not-a-link/").status_code == 404
        three_days_ago = time.time() - 3 * 24 * 3600
        old = _confirm_cipher().encrypt_at_time(
            json.dumps([self.team.pk, "x@example.org", "en"]).encode(), int(three_days_ago)
        )
        answer = self.client.post(f"/follow/confirm/{old.decode()}/")
        assert answer.status_code == 410 and "more than two days old" in answer.content.decode()
        assert not EmailSubscription.objects.exists()

    def test_the_confirmation_link_does_not_show_the_address(self):
        # Paths go to the request log and the proxy's: the address is stored nowhere until confirmed.
        self.client.post(EMAIL_URL, {"email": "mum@example.org"})
        token = self.confirm_link().split("/")[-2]
        for text in (token, base64.urlsafe_b64decode(token + "==").decode("latin-1")):
            assert "mum@example.org" not in text and "mum" not in text

    def test_a_voided_read_sends_no_e_mail(self):
        EmailSubscription.objects.create(team=self.team, email="mum@example.org", language="en")
        with self.captureOnCommitCallbacks(execute=True):
            record, _created = timing_record_create(
                race=self.race, bib=TEAM, station="R2", time=TEAM_AT_RELAY_2
            )
            timing_record_void(record=record, reason="wrong bib typed", actor=Actor("alice"))
        assert mail.outbox == []
        assert TimingRecord.objects.filter(team=self.team, station__code="R2", voided=True).exists()


def test_the_service_worker_covers_the_team_pages(client):
    answer = client.get(reverse("following:service-worker"))
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/javascript")
    assert answer["Service-Worker-Allowed"] == "/races/"
    assert 'addEventListener("push"' in answer.content.decode()


@override_settings(**VAPID)
class TestNoOneElseSeesOrStopsAFollower(FollowTestCase):
    def test_an_organiser_without_the_link_stops_nothing_and_no_admin_screen_lists_followers(self):
        from django.contrib import admin
        from django.contrib.auth import get_user_model

        from races.models import OfficialRole, RaceOfficial

        browser = BrowserKeys()
        stop_url = self.follow(browser).json()["stop_url"]
        olivia = get_user_model().objects.create_superuser("olivia", password="pw")
        RaceOfficial.objects.create(race=self.race, user=olivia, role=OfficialRole.ORGANISER)
        self.client.force_login(olivia)
        # Only the link's holder stops: the organiser's session is no key.
        assert self.client.post(stop_url.replace("/follow/stop/", "/follow/stop/0")).status_code == 200
        assert PushSubscription.objects.exists()
        assert not {PushSubscription, EmailSubscription, AnnouncedPass} & set(admin.site._registry)
        assert browser.endpoint not in self.client.get("/admin/").content.decode()
