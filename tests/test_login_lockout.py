"""A password guessed by a script: after five failed logins for one username from one address,
that pair is refused for fifteen minutes, the right password too, on the officials' login and
the admin alike. Alice keeps station R1; Olivia is a superuser who works in the admin. The
attempts are dated by django-axes's clock, which the tests set."""

from datetime import UTC, datetime, timedelta
from unittest import mock

from django.contrib.auth import get_user_model
from django.test import TestCase, override_settings

# Hashing is not what is tested here: a cheap hasher keeps a dozen logins fast.
FAST_HASHING = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])

# 07:10 in Kuala Lumpur, race morning.
MORNING = datetime(2025, 11, 22, 23, 10, tzinfo=UTC)
OFFICIALS_LOGIN = "/officials/login/"
ADMIN_LOGIN = "/admin/login/"


def at(moment: datetime):
    """django-axes's clock (when an attempt happens) set to `moment`."""
    return mock.patch("axes.handlers.proxy.now", return_value=moment)


@FAST_HASHING
@override_settings(TIME_ZONE="Asia/Kuala_Lumpur")
class LockoutTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        users = get_user_model().objects
        with FAST_HASHING:
            cls.alice = users.create_user("alice", password="alice-pass-123")
            cls.olivia = users.create_superuser("olivia", "olivia@example.org", "olivia-pass-123")

    def log_in(self, url: str, username: str, password: str, *, address: str = "203.0.113.7"):
        return self.client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)

    def fail(self, url: str, username: str, times: int, **where):
        """`times` wrong passwords; the last answer (the form again, or the lockout)."""
        for _ in range(times):
            response = self.log_in(url, username, "guess", **where)
        return response


class TestTheOfficialsLogin(LockoutTestCase):
    def test_the_right_password_logs_in_after_four_failures(self):
        with at(MORNING):
            assert self.fail(OFFICIALS_LOGIN, "alice", 4).status_code == 200  # "did not match"
            response = self.log_in(OFFICIALS_LOGIN, "alice", "alice-pass-123")
        assert response.status_code == 302 and response["Location"] == "/officials/"

    def test_the_fifth_failure_locks_the_username_out_until_a_time_it_names(self):
        with at(MORNING):
            self.fail(OFFICIALS_LOGIN, "alice", 4)
            response = self.log_in(OFFICIALS_LOGIN, "alice", "guess")
        assert response.status_code == 429
        page = response.content.decode()
        # 07:10 in the server's zone, plus fifteen minutes.
        assert "Logins are refused until 07:25 (+08), the right password too" in page
        assert "Too many failed logins for alice from this address." in page
        assert 'href="/officials/password/reset/"' in page
        assert int(response["Retry-After"]) > 0

    def test_the_right_password_is_refused_while_locked_out(self):
        with at(MORNING):
            self.fail(OFFICIALS_LOGIN, "alice", 4)
            self.log_in(OFFICIALS_LOGIN, "alice", "guess")
        with at(MORNING + timedelta(minutes=14)):
            response = self.log_in(OFFICIALS_LOGIN, "alice", "alice-pass-123")
        assert response.status_code == 429
        assert "_auth_user_id" not in self.client.session
        # The try at 07:24 started the wait again: until 07:39.
        assert "refused until 07:39 (+08)" in response.content.decode()

    def test_the_right_password_works_again_once_the_cool_off_is_over(self):
        with at(MORNING):
            self.fail(OFFICIALS_LOGIN, "alice", 5)
        with at(MORNING + timedelta(minutes=15, seconds=1)):
            response = self.log_in(OFFICIALS_LOGIN, "alice", "alice-pass-123")
        assert response.status_code == 302
        assert self.client.session["_auth_user_id"] == str(self.alice.pk)

    def test_another_username_or_another_address_is_not_locked_out(self):
        with at(MORNING):
            assert self.fail(OFFICIALS_LOGIN, "alice", 5).status_code == 429
            from_the_finish = self.log_in(OFFICIALS_LOGIN, "alice", "alice-pass-123", address="198.51.100.4")
            assert from_the_finish.status_code == 302
            self.client.logout()
            other_user = self.log_in(OFFICIALS_LOGIN, "olivia", "olivia-pass-123")
            assert other_user.status_code == 302

    def test_a_successful_login_starts_the_count_again(self):
        with at(MORNING):
            self.fail(OFFICIALS_LOGIN, "alice", 4)
            assert self.log_in(OFFICIALS_LOGIN, "alice", "alice-pass-123").status_code == 302
            self.client.logout()
            self.fail(OFFICIALS_LOGIN, "alice", 4)
            assert self.log_in(OFFICIALS_LOGIN, "alice", "alice-pass-123").status_code == 302

    @override_settings(TASUKI_TRUSTED_PROXIES=1)
    def test_behind_our_proxy_the_address_it_saw_counts(self):
        # The same REMOTE_ADDR (the proxy) for everyone: the forwarded address tells clients apart.
        with at(MORNING):
            for _ in range(5):
                self.client.post(
                    OFFICIALS_LOGIN,
                    {"username": "alice", "password": "guess"},
                    REMOTE_ADDR="10.0.0.2",
                    HTTP_X_FORWARDED_FOR="203.0.113.7",
                )
            other_phone = self.client.post(
                OFFICIALS_LOGIN,
                {"username": "alice", "password": "alice-pass-123"},
                REMOTE_ADDR="10.0.0.2",
                HTTP_X_FORWARDED_FOR="198.51.100.4",
            )
        assert other_phone.status_code == 302


class TestTheAdminLogin(LockoutTestCase):
    def test_the_admin_locks_out_after_five_failures_and_names_the_time(self):
        with at(MORNING):
            for _ in range(4):
                assert self.log_in(ADMIN_LOGIN, "olivia", "guess").status_code == 200
            locked = self.log_in(ADMIN_LOGIN, "olivia", "guess")
            assert locked.status_code == 429
            assert "Logins are refused until 07:25 (+08)" in locked.content.decode()
            right = self.log_in(ADMIN_LOGIN, "olivia", "olivia-pass-123")
        assert right.status_code == 429
        with at(MORNING + timedelta(minutes=31)):
            assert self.log_in(ADMIN_LOGIN, "olivia", "olivia-pass-123").status_code == 302

    def test_failures_count_across_both_logins(self):
        with at(MORNING):
            self.fail(ADMIN_LOGIN, "olivia", 3)
            self.fail(OFFICIALS_LOGIN, "olivia", 1)
            assert self.log_in(OFFICIALS_LOGIN, "olivia", "guess").status_code == 429


@FAST_HASHING
@override_settings(AXES_FAILURE_LIMIT=2, AXES_COOLOFF_TIME=timedelta(minutes=1))
class TestTheLimitsAreSettings(LockoutTestCase):
    def test_a_lower_limit_and_a_shorter_cool_off(self):
        with at(MORNING):
            self.fail(OFFICIALS_LOGIN, "alice", 1)
            assert self.log_in(OFFICIALS_LOGIN, "alice", "guess").status_code == 429
        with at(MORNING + timedelta(seconds=61)):
            assert self.log_in(OFFICIALS_LOGIN, "alice", "alice-pass-123").status_code == 302

    @override_settings(TASUKI_TRUSTED_PROXIES=1)
    def test_a_forwarded_address_that_is_no_address_is_counted_without_one(self):
        # axes keeps the address in an IP address column: PostgreSQL refused "not-an-address".
        with at(MORNING):
            for _ in range(5):
                response = self.client.post(
                    OFFICIALS_LOGIN,
                    {"username": "alice", "password": "guess"},
                    HTTP_X_FORWARDED_FOR="not-an-address",
                )
        assert response.status_code == 429
