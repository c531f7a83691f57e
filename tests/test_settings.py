"""Settings come from the environment; a misconfigured production start fails loudly."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ekiden.settings import RENAMED_ENVIRONMENT
from tests.following import VAPID, vapid_settings

ROOT = Path(__file__).resolve().parents[1]
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'db': settings.DATABASES['default']['ENGINE'], 'eager': settings.CELERY_TASK_ALWAYS_EAGER, "
    "'cache': settings.CACHES['default']['BACKEND'], 'tz': settings.TIME_ZONE, 'use_tz': settings.USE_TZ}))"
)


SETTINGS_FROM_ENV = {
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "TASUKI_BEHIND_PROXY",
    "SENTRY_DSN",
    "TASUKI_UPLOAD_MAX_BYTES",
    "TASUKI_VAR_DIR",
    "TASUKI_LOGIN_FAILURE_LIMIT",
    "TASUKI_LOGIN_COOLOFF_MINUTES",
    "EMAIL_URL",
    "DEFAULT_FROM_EMAIL",
    "TASUKI_VAPID_PUBLIC_KEY",
    "TASUKI_VAPID_PRIVATE_KEY",
    "TASUKI_VAPID_SUBJECT",
    "TASUKI_FOLLOW_RATE",
    "TASUKI_SITE_URL",
    *RENAMED_ENVIRONMENT,
    *RENAMED_ENVIRONMENT.values(),
}


def start(probe: str = PROBE, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_FROM_ENV}
    clean.update(env, DJANGO_SETTINGS_MODULE="ekiden.settings")
    return subprocess.run([sys.executable, "-c", probe], env=clean, cwd=ROOT, capture_output=True, text=True)


def setting(name: str, **env: str) -> str:
    started = start(
        f"import django; from django.conf import settings; django.setup(); print(settings.{name})", **env
    )
    assert started.returncode == 0, started.stderr
    return started.stdout.strip()


def test_nothing_set_gives_the_embedded_mode():
    started = start()
    assert started.returncode == 0, started.stderr
    assert json.loads(started.stdout) == {
        "db": "django.db.backends.sqlite3",
        "eager": True,
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "tz": "UTC",
        "use_tz": True,
    }


def test_urls_switch_to_postgresql_redis_and_a_real_broker():
    started = start(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/test", REDIS_URL="redis://127.0.0.1:6379/0"
    )
    assert started.returncode == 0, started.stderr
    assert json.loads(started.stdout)["db"] == "django.db.backends.postgresql"
    assert json.loads(started.stdout)["eager"] is False
    # Django's Redis cache, keeping one client per connection pool (ekiden/redis_cache.py).
    assert json.loads(started.stdout)["cache"] == "ekiden.redis_cache.RedisCache"


def test_production_without_a_secret_key_refuses_to_start():
    started = start(DEBUG="off")
    assert started.returncode != 0
    assert "SECRET_KEY is not set. With DEBUG off, set SECRET_KEY" in started.stderr


def test_production_with_a_secret_key_starts():
    started = start(DEBUG="off", SECRET_KEY="x" * 50, ALLOWED_HOSTS="results.example.org")
    assert started.returncode == 0, started.stderr


def test_the_registration_rate_is_count_per_seconds():
    from ekiden.settings import registration_rate

    assert registration_rate("5/300") == (5, 300)


def test_a_malformed_registration_rate_refuses_to_start():
    started = start(TASUKI_REGISTRATION_RATE="3 per minute")
    assert started.returncode != 0
    assert "TASUKI_REGISTRATION_RATE is '3 per minute'; write COUNT/SECONDS" in started.stderr


def test_web_push_needs_all_three_vapid_settings_or_none():
    assert setting("TASUKI_VAPID_PUBLIC_KEY") == ""  # none: e-mail only, and the site starts
    started = start(TASUKI_VAPID_PUBLIC_KEY="BPub", TASUKI_VAPID_SUBJECT="mailto:results@example.org")
    assert started.returncode != 0
    assert "TASUKI_VAPID_PRIVATE_KEY not set: Web Push needs all of" in started.stderr


def test_the_vapid_subject_is_a_mailto_address():
    started = start(**{**VAPID, "TASUKI_VAPID_SUBJECT": "me"})
    assert started.returncode != 0
    assert "TASUKI_VAPID_SUBJECT is 'me'; write mailto:" in started.stderr


def test_a_vapid_pair_that_does_not_match_refuses_to_start():
    assert setting("TASUKI_VAPID_SUBJECT", **VAPID) == "mailto:results@example.org"
    other = vapid_settings()
    started = start(**{**VAPID, "TASUKI_VAPID_PUBLIC_KEY": other["TASUKI_VAPID_PUBLIC_KEY"]})
    assert "TASUKI_VAPID_PUBLIC_KEY is not the public key of TASUKI_VAPID_PRIVATE_KEY" in started.stderr
    started = start(**{**VAPID, "TASUKI_VAPID_PRIVATE_KEY": "not a key"})
    assert "TASUKI_VAPID_PRIVATE_KEY is not a P-256 private key in base64url" in started.stderr


def test_a_malformed_follow_rate_refuses_to_start():
    started = start(TASUKI_FOLLOW_RATE="ten")
    assert started.returncode != 0
    assert "TASUKI_FOLLOW_RATE is 'ten'; write COUNT/SECONDS" in started.stderr


def test_links_in_workers_e_mails_go_to_the_first_allowed_host_unless_set():
    production = {
        "DEBUG": "off",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "results.example.org,www.example.org",
    }
    assert setting("TASUKI_SITE_URL", **production) == "https://results.example.org"
    assert setting("TASUKI_SITE_URL", **production, TASUKI_SITE_URL="https://tasuki.example.org/") == (
        "https://tasuki.example.org"
    )


def test_admin_uploads_are_limited_to_20_megabytes_unless_set():
    assert setting("TASUKI_UPLOAD_MAX_BYTES") == str(20 * 1024 * 1024)
    assert setting("TASUKI_UPLOAD_MAX_BYTES", TASUKI_UPLOAD_MAX_BYTES="1048576") == "1048576"


def test_an_upload_limit_that_is_not_positive_refuses_to_start():
    started = start(TASUKI_UPLOAD_MAX_BYTES="0")
    assert started.returncode != 0
    assert "TASUKI_UPLOAD_MAX_BYTES must be a positive number of bytes." in started.stderr


def test_a_write_waits_20_seconds_for_a_busy_database_unless_set():
    sqlite_timeout = "DATABASES['default']['OPTIONS']['timeout']"
    assert setting(sqlite_timeout) == "20.0"
    assert setting(sqlite_timeout, TASUKI_DATABASE_BUSY_TIMEOUT="1") == "1.0"
    postgres = "postgres://postgres@127.0.0.1:5432/test"
    postgres_options = "DATABASES['default']['OPTIONS']['options']"
    assert setting(postgres_options, DATABASE_URL=postgres) == "-c lock_timeout=20000"
    assert (
        setting(postgres_options, DATABASE_URL=postgres, TASUKI_DATABASE_BUSY_TIMEOUT="2.5")
        == "-c lock_timeout=2500"
    )


def test_a_negative_busy_timeout_refuses_to_start():
    started = start(TASUKI_DATABASE_BUSY_TIMEOUT="-1")
    assert started.returncode != 0
    assert "TASUKI_DATABASE_BUSY_TIMEOUT must be a number of seconds, 0 or more." in started.stderr


# Renamed environment variables: a site set up with an earlier version keeps working, and is told.
OLD_VALUES = {
    "DATABASE_BUSY_TIMEOUT": ("TASUKI_DATABASE_BUSY_TIMEOUT", "1", "1.0"),
    "DEVICE_READS_MAX_AHEAD_SECONDS": ("TASUKI_DEVICE_READS_MAX_AHEAD_SECONDS", "60", "60"),
    "STANDINGS_DEBOUNCE_SECONDS": ("TASUKI_STANDINGS_DEBOUNCE_SECONDS", "0.5", "0.5"),
    "CACHE_KEY_PREFIX": ("TASUKI_CACHE_KEY_PREFIX", "site-b", "site-b"),
    "LOG_LEVEL": ("TASUKI_LOG_LEVEL", "INFO", "INFO"),
}
READ = {
    "TASUKI_DATABASE_BUSY_TIMEOUT": "settings.TASUKI_DATABASE_BUSY_TIMEOUT",
    "TASUKI_DEVICE_READS_MAX_AHEAD_SECONDS": "settings.TASUKI_DEVICE_READS_MAX_AHEAD_SECONDS",
    "TASUKI_STANDINGS_DEBOUNCE_SECONDS": "settings.TASUKI_STANDINGS_DEBOUNCE_SECONDS",
    "TASUKI_CACHE_KEY_PREFIX": "settings.CACHES['default'].get('KEY_PREFIX')",
    "TASUKI_LOG_LEVEL": "settings.LOGGING['root']['level']",
}


def read_setting(new: str, **env: str) -> subprocess.CompletedProcess:
    # The cache's key prefix is set only with Redis; nothing connects to it here.
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/6")
    return start(
        f"import django; from django.conf import settings; django.setup(); print({READ[new]})", **env
    )


def test_every_renamed_variable_is_covered():
    assert set(OLD_VALUES) == set(RENAMED_ENVIRONMENT.values())
    assert {new for new, _value, _read in OLD_VALUES.values()} == set(RENAMED_ENVIRONMENT) == set(READ)


@pytest.mark.parametrize("old", sorted(OLD_VALUES))
def test_an_old_environment_name_still_works_and_names_the_new_one(old):
    new, value, read = OLD_VALUES[old]
    started = read_setting(new, **{old: value})
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == read
    assert f"{old} is deprecated: rename it {new}" in started.stderr


@pytest.mark.parametrize("old", sorted(OLD_VALUES))
def test_the_new_name_wins_over_the_old_one_which_is_said_to_be_ignored(old):
    new, value, read = OLD_VALUES[old]
    started = read_setting(new, **{new: value, old: "rubbish"})
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == read
    assert f"{old} is ignored: {new} is set and wins" in started.stderr


def test_the_new_names_alone_start_without_a_word():
    started = start(TASUKI_DATABASE_BUSY_TIMEOUT="1", TASUKI_STANDINGS_DEBOUNCE_SECONDS="0.5")
    assert started.returncode == 0, started.stderr
    assert started.stderr == ""


def test_reading_the_settings_creates_no_folder(tmp_path):
    var = tmp_path / "var"
    started = start("import ekiden.settings", TASUKI_VAR_DIR=str(var))
    assert started.returncode == 0, started.stderr
    assert not var.exists()


def test_the_sqlite_folder_is_made_when_the_site_starts_with_its_database_there(tmp_path):
    var = tmp_path / "var"
    started = start("import django; django.setup()", TASUKI_VAR_DIR=str(var))
    assert started.returncode == 0, started.stderr
    assert var.is_dir()


def test_a_postgresql_site_gets_no_var_folder(tmp_path):
    var = tmp_path / "var"
    started = start(
        "import django; django.setup()",
        TASUKI_VAR_DIR=str(var),
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/h_sizes",
    )
    assert started.returncode == 0, started.stderr
    assert not var.exists()


def test_the_login_lockout_is_five_failures_and_fifteen_minutes_unless_set():
    assert setting("AXES_FAILURE_LIMIT") == "5"
    assert setting("AXES_COOLOFF_TIME") == "0:15:00"
    assert setting("AXES_FAILURE_LIMIT", TASUKI_LOGIN_FAILURE_LIMIT="8") == "8"
    assert setting("AXES_COOLOFF_TIME", TASUKI_LOGIN_COOLOFF_MINUTES="45") == "0:45:00"


@pytest.mark.parametrize(
    ("name", "value"), [("TASUKI_LOGIN_FAILURE_LIMIT", "0"), ("TASUKI_LOGIN_COOLOFF_MINUTES", "0")]
)
def test_a_lockout_that_could_never_lock_refuses_to_start(name, value):
    started = start(**{name: value})
    assert started.returncode != 0
    assert f"{name} must be a" in started.stderr


def test_password_reset_mail_is_printed_in_embedded_mode_and_sent_by_smtp_in_production():
    assert setting("EMAIL_BACKEND") == "django.core.mail.backends.console.EmailBackend"
    smtp = {
        "EMAIL_URL": "smtp+tls://tasuki:secret@smtp.example.org:587",
        "DEFAULT_FROM_EMAIL": "race@example.org",
    }
    assert setting("EMAIL_BACKEND", **smtp) == "django.core.mail.backends.smtp.EmailBackend"
    assert setting("EMAIL_HOST", **smtp) == "smtp.example.org"
    assert setting("EMAIL_USE_TLS", **smtp) == "True"
    assert setting("DEFAULT_FROM_EMAIL", **smtp) == "race@example.org"
