"""Production defaults (DEBUG off): HTTPS, HSTS, secure cookies, and a refusal in one line.

The start-up refusals run the real entry points in subprocesses: manage.py, gunicorn (through
ekiden/wsgi.py) and the Celery worker, each as an operator would start it.
"""

import json
import os
import re
import subprocess
import sys

import pytest
from django.test import override_settings

from tests.test_settings import ROOT, SETTINGS_FROM_ENV, start

# A key long and varied enough for check --deploy (W009), made for these tests only.
PRODUCTION = {
    "DEBUG": "off",
    "SECRET_KEY": "tests-only-3kT9vQ2mZx8Lr4Yp7Wc1Hn6Bd5Gf0Js9Ke2Ua8Xo3Ri7Pl4Tz",
    "ALLOWED_HOSTS": "results.example.org",
    "EMAIL_URL": "smtp+tls://tasuki:secret@smtp.example.org:587",
}


def run(command: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_FROM_ENV}
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    clean.update(env)
    return subprocess.run(command, env=clean, cwd=ROOT, capture_output=True, text=True, timeout=60)


def production_without(name: str) -> dict[str, str]:
    return {key: value for key, value in PRODUCTION.items() if key != name}


def assert_refused_in_one_line(started: subprocess.CompletedProcess, missing: str) -> None:
    assert started.returncode != 0
    assert "Traceback" not in started.stderr + started.stdout
    refusals = [line for line in started.stderr.splitlines() if line.startswith("Tasuki cannot start:")]
    assert len(refusals) == 1, started.stderr
    assert f"{missing} is not set. With DEBUG off, set {missing} in the environment" in refusals[0]


MANAGE = [sys.executable, "manage.py", "check"]
GUNICORN = [
    sys.executable, "-m", "gunicorn", "ekiden.wsgi", "--bind", "127.0.0.1:0", "--no-control-socket",
]  # fmt: skip
CELERY = [sys.executable, "-m", "celery", "-A", "ekiden", "worker", "--pool", "solo"]


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_manage_py_refuses_a_production_start_in_one_line(missing):
    started = run(MANAGE, **production_without(missing))
    assert_refused_in_one_line(started, missing)
    assert started.stderr.count("\n") == 1  # nothing but that line


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_gunicorn_stops_the_whole_server_with_one_line(missing):
    started = run(GUNICORN, **production_without(missing))
    # gunicorn's own log lines stay; the worker's refusal makes the master stop ("App failed
    # to load", exit code 4) rather than start workers again and again.
    assert started.returncode == 4, started.stderr
    assert_refused_in_one_line(started, missing)
    assert "App failed to load." in started.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_the_celery_worker_refuses_in_one_line(missing):
    started = run(CELERY, **production_without(missing))
    assert_refused_in_one_line(started, missing)
    assert started.stderr.count("\n") == 1


def test_a_malformed_production_setting_is_one_line_too():
    started = run(MANAGE, **PRODUCTION, TASUKI_UPLOAD_MAX_BYTES="0")
    assert started.returncode == 1
    assert (
        started.stderr == "Tasuki cannot start: TASUKI_UPLOAD_MAX_BYTES must be a positive number of bytes.\n"
    )


def test_the_embedded_mode_needs_neither():
    started = run(MANAGE)
    assert started.returncode == 0, started.stderr


def test_check_deploy_says_when_password_reset_mails_would_not_leave():
    started = run([sys.executable, "manage.py", "check", "--deploy"], **production_without("EMAIL_URL"))
    assert "(results.W003) EMAIL_URL is not set" in started.stderr + started.stdout


def test_check_deploy_leaves_only_the_operators_hsts_choices():
    started = run([sys.executable, "manage.py", "check", "--deploy"], **PRODUCTION)
    assert started.returncode == 0, started.stderr
    warnings = sorted(set(re.findall(r"\(([a-z_]+\.[WE]\d+)\)", started.stderr + started.stdout)))
    assert warnings == ["security.W005", "security.W021"], started.stderr


def test_the_operator_may_choose_hsts_subdomains_and_preload_and_then_nothing_is_left():
    started = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        **PRODUCTION,
        SECURE_HSTS_INCLUDE_SUBDOMAINS="on",
        SECURE_HSTS_PRELOAD="on",
    )
    assert started.returncode == 0, started.stderr
    assert "no issues" in started.stdout


PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({name: getattr(settings, name, None) for name in ["
    "'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', "
    "'SECURE_HSTS_PRELOAD', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
    "'SECURE_PROXY_SSL_HEADER', 'CSRF_TRUSTED_ORIGINS', 'SECURE_REDIRECT_EXEMPT']}))"
)


def production_settings(**env: str) -> dict:
    started = start(PROBE, **PRODUCTION, **env)
    assert started.returncode == 0, started.stderr
    return json.loads(started.stdout)


def test_production_defaults_are_https_hsts_and_secure_cookies():
    assert production_settings() == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_PROXY_SSL_HEADER": None,
        "CSRF_TRUSTED_ORIGINS": [],
        "SECURE_REDIRECT_EXEMPT": ["^healthz$"],
    }


def test_the_environment_overrides_them():
    chosen = production_settings(
        SECURE_HSTS_SECONDS="3600",
        TASUKI_BEHIND_PROXY="1",
        CSRF_TRUSTED_ORIGINS="https://results.example.org,https://ekiden.example.org",
    )
    assert chosen["SECURE_HSTS_SECONDS"] == 3600
    assert chosen["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert chosen["CSRF_TRUSTED_ORIGINS"] == ["https://results.example.org", "https://ekiden.example.org"]


def test_development_keeps_plain_http():
    started = start(PROBE)
    assert started.returncode == 0, started.stderr
    assert '"SECURE_SSL_REDIRECT": false' in started.stdout
    assert '"SECURE_HSTS_SECONDS": 0' in started.stdout


HTTPS_SITE = {
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 31_536_000,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
}


@pytest.mark.django_db
@override_settings(**HTTPS_SITE)
def test_plain_http_is_sent_to_https(client):
    response = client.get("/", headers={"X-Forwarded-Proto": "http"})
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/"


@pytest.mark.django_db
@override_settings(**HTTPS_SITE)
def test_behind_the_proxy_https_is_served_with_hsts(client):
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000"
