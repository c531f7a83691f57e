"""An official's own password: Alice changes hers when signed in, and sets a new one through an
e-mailed link when she has forgotten it. A stranger asking for a link learns nothing."""

import re
from datetime import UTC, datetime
from unittest import mock

from django.contrib.auth import get_user_model
from django.core import mail
from django.test import TestCase, override_settings

FAST_HASHING = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


@FAST_HASHING
class PasswordTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        with FAST_HASHING:
            cls.alice = get_user_model().objects.create_user(
                "alice", email="alice@example.org", password="alice-pass-123"
            )

    def logs_in(self, password: str) -> bool:
        """Whether the officials' login takes Alice's `password` (from a client of its own)."""
        response = self.client_class().post("/officials/login/", {"username": "alice", "password": password})
        return response.status_code == 302


class TestChangingOnesPassword(PasswordTestCase):
    def test_the_officials_index_links_to_the_change_page(self):
        self.client.force_login(self.alice)
        assert 'href="/officials/password/"' in self.client.get("/officials/").content.decode()

    def test_the_change_page_asks_for_a_login_first(self):
        response = self.client.get("/officials/password/")
        assert response.status_code == 302
        assert response["Location"] == "/officials/login/?next=/officials/password/"

    def test_a_wrong_old_password_is_refused_and_changes_nothing(self):
        self.client.force_login(self.alice)
        response = self.client.post(
            "/officials/password/",
            {"old_password": "not-it", "new_password1": "tasuki-R1-2025", "new_password2": "tasuki-R1-2025"},
        )
        assert response.status_code == 200
        assert "Your old password was entered incorrectly" in response.content.decode()
        assert self.logs_in("alice-pass-123") and not self.logs_in("tasuki-R1-2025")

    def test_the_new_password_works_and_the_old_one_no_longer(self):
        self.client.force_login(self.alice)
        response = self.client.post(
            "/officials/password/",
            {
                "old_password": "alice-pass-123",
                "new_password1": "tasuki-R1-2025",
                "new_password2": "tasuki-R1-2025",
            },
        )
        assert response.status_code == 302 and response["Location"] == "/officials/password/changed/"
        assert "Your new password is set" in self.client.get(response["Location"]).content.decode()
        assert self.logs_in("tasuki-R1-2025") and not self.logs_in("alice-pass-123")

    def test_a_weak_new_password_is_refused_with_the_reason(self):
        self.client.force_login(self.alice)
        response = self.client.post(
            "/officials/password/",
            {"old_password": "alice-pass-123", "new_password1": "12345678", "new_password2": "12345678"},
        )
        assert response.status_code == 200
        assert "This password is too common." in response.content.decode()
        assert self.logs_in("alice-pass-123")


class TestResettingAForgottenPassword(PasswordTestCase):
    def test_the_login_page_links_to_the_reset_page(self):
        page = self.client.get("/officials/login/").content.decode()
        assert 'href="/officials/password/reset/"' in page

    def test_a_known_address_gets_a_link_that_sets_a_new_password(self):
        response = self.client.post("/officials/password/reset/", {"email": "alice@example.org"})
        assert response.status_code == 302 and response["Location"] == "/officials/password/reset/sent/"
        [sent] = mail.outbox
        assert sent.to == ["alice@example.org"]
        assert "alice" in sent.body
        link = re.search(r"http://testserver(/officials/password/reset/\S+/\S+/)", sent.body).group(1)

        form = self.client.get(link, follow=True)
        assert form.status_code == 200 and "Set a new password" in form.content.decode()
        done = self.client.post(
            form.redirect_chain[-1][0], {"new_password1": "tasuki-R1-2025", "new_password2": "tasuki-R1-2025"}
        )
        assert done.status_code == 302 and done["Location"] == "/officials/password/reset/done/"
        assert self.logs_in("tasuki-R1-2025") and not self.logs_in("alice-pass-123")
        # The link works once.
        again = self.client.get(link, follow=True)
        assert "This link has been used already or is too old" in again.content.decode()

    def test_an_unknown_address_sends_nothing_and_reads_the_same(self):
        known = self.client.post("/officials/password/reset/", {"email": "alice@example.org"}, follow=True)
        unknown = self.client.post("/officials/password/reset/", {"email": "nobody@example.org"}, follow=True)
        assert len(mail.outbox) == 1
        assert known.redirect_chain == unknown.redirect_chain == [("/officials/password/reset/sent/", 302)]
        assert known.content == unknown.content

    def test_a_reset_ends_a_lockout_earned_with_the_forgotten_password(self):
        with mock.patch("axes.handlers.proxy.now", return_value=datetime(2025, 11, 22, 23, 10, tzinfo=UTC)):
            for _ in range(5):
                locked = self.client.post("/officials/login/", {"username": "alice", "password": "guess"})
            assert locked.status_code == 429
            self.client.post("/officials/password/reset/", {"email": "alice@example.org"})
            link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
            form = self.client.get(link, follow=True)
            self.client.post(
                form.redirect_chain[-1][0],
                {"new_password1": "tasuki-R1-2025", "new_password2": "tasuki-R1-2025"},
            )
            response = self.client.post(
                "/officials/login/", {"username": "alice", "password": "tasuki-R1-2025"}
            )
        assert response.status_code == 302
