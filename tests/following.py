"""What the following tests share: a race where team 301's Aminah hands the tasuki to Kenji at
Relay 2 in 12th place (3rd of Mixed Senior), the site's VAPID keys, a browser's push keys, and the
push service's HTTP call intercepted and decrypted as the browser would."""

import base64
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from unittest import mock

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid01

from ekiden.celery import app as celery_app
from races.audit import Actor
from races.models import Race
from races.services import entries_import, race_import
from results.timing.services import timing_record_create

SLUG = "follow-ekiden"
TEAM = "301"  # Mixed Senior: Siti, Aminah, Kenji, Mei
PUSH_SERVICE = "https://fcm.googleapis.com/fcm/send/"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def vapid_settings() -> dict:
    """The site's keys, as `vapid --gen` would make them, in the settings' base64url form."""
    vapid = Vapid01()
    vapid.generate_keys()
    private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    public = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {
        "TASUKI_VAPID_PRIVATE_KEY": b64url(private),
        "TASUKI_VAPID_PUBLIC_KEY": b64url(public),
        "TASUKI_VAPID_SUBJECT": "mailto:results@example.org",
    }


VAPID = vapid_settings()


@dataclass
class BrowserKeys:
    """A browser's push subscription keys: it decrypts what the push service hands it."""

    private: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))
    endpoint: str = field(default_factory=lambda: PUSH_SERVICE + b64url(os.urandom(12)))

    def subscription(self) -> dict:
        public = self.private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)},
        }

    def decrypt(self, body: bytes) -> dict:
        return json.loads(
            http_ece.decrypt(body, private_key=self.private, auth_secret=self.auth, version="aes128gcm")
        )


class PushService:
    """The push services' HTTP side: every post pywebpush makes, answered with `status`."""

    def __init__(self, status: int = 201):
        self.status = status
        self.posts: list[tuple[str, dict]] = []

    def post(self, endpoint, **kwargs):
        self.posts.append((endpoint, kwargs))
        return mock.Mock(status_code=self.status, reason="", text="", headers={})

    def messages_to(self, browser: BrowserKeys) -> list[dict]:
        return [
            browser.decrypt(sent["data"]) for endpoint, sent in self.posts if endpoint == browser.endpoint
        ]


@contextmanager
def eager_tasks():
    """The tasks run here and now, on SQLite as with Redis (where they would go to a broker no
    worker reads in these tests; tests/test_following_worker.py has the real one)."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = before


@contextmanager
def intercepted_push(status: int = 201):
    service = PushService(status)
    with mock.patch("pywebpush.requests.post", side_effect=service.post):
        yield service


RACE = {
    "slug": SLUG,
    "name": "Follow Ekiden",
    "date": "2025-11-23",
    "timezone": "Asia/Kuala_Lumpur",
    "start_time": "06:30:00",
    "kuriage_minutes": None,
    "stations": [
        {"code": "START", "name": "Start", "km": 0.0},
        {"code": "R1", "name": "Relay 1", "km": 5.0},
        {"code": "CP1", "name": "Checkpoint 7.5", "km": 7.5, "handoff": False},
        {"code": "R2", "name": "Relay 2", "km": 10.0},
        {"code": "R3", "name": "Relay 3", "km": 15.0},
        {"code": "FINISH", "name": "Finish", "km": 21.0975},
    ],
    "categories": [
        {"code": "MO", "name": "Men Open", "min_men": 4},
        {"code": "MXS", "name": "Mixed Senior", "min_women": 2, "min_men": 1, "min_age": 40},
    ],
}


def entries_csv() -> bytes:
    """Team 301 (Mixed Senior) and eleven teams ahead of it at Relay 2: two of Mixed Senior
    (201, 202), nine of Men Open (101–109)."""
    rows = ["team_bib,team_name,category,leg,runner_name,gender,birth_date"]
    runners = {
        "301": ("Putrajaya Seniors", "MXS", [("Siti", "F"), ("Aminah", "F"), ("Kenji", "M"), ("Mei", "F")]),
        "201": ("Shah Alam Veterans", "MXS", [("Ana", "F"), ("Bea", "F"), ("Carl", "M"), ("Dina", "F")]),
        "202": ("Klang Masters", "MXS", [("Eva", "F"), ("Fay", "F"), ("Gus", "M"), ("Hana", "F")]),
    }
    for bib in range(101, 110):
        runners[str(bib)] = (f"Men Club {bib}", "MO", [(f"Runner {bib}-{leg}", "M") for leg in range(1, 5)])
    for bib, (name, category, legs) in runners.items():
        for leg, (runner, gender) in enumerate(legs, 1):
            rows.append(f"{bib},{name},{category},{leg},{runner},{gender},1970-01-01")
    return ("\n".join(rows) + "\n").encode()


def follow_race() -> Race:
    race, _created = race_import(payload=RACE)
    entries_import(race=race, raw=entries_csv(), filename="entries.csv", actor=Actor("test"))
    # Everyone at Relay 1; team 301 there in 30:00.
    for bib in [*map(str, range(101, 110)), "201", "202", "301"]:
        timing_record_create(
            race=race, bib=bib, station="R1", time="07:00:00" if bib == "301" else "06:55:00"
        )
    return race


def teams_ahead_at_relay_2(race: Race) -> None:
    """The eleven teams that reach Relay 2 before team 301."""
    for bib in [*map(str, range(101, 110)), "201", "202"]:
        timing_record_create(race=race, bib=bib, station="R2", time="07:25:00")


#: 06:30 + 1:02:30.4, shown rounded up: 1:02:31.
TEAM_AT_RELAY_2 = "07:32:30.400"
EXPECTED_AT_RELAY_2 = (
    "Leg 2 → 3 at Relay 2: Aminah handed the tasuki to Kenji, 12th (3rd Mixed Senior), 1:02:31"
)


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)
