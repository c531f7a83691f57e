"""The people of the officials' tests: who works a race, and an organiser of another one.

Olivia organises the race, Dana works its results desk, Alice keeps R1, and Oscar organises
another race (a second KL Ekiden under another slug), so every page's rights can be tried on
each role and on a stranger to the race.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from races.models import OfficialRole, Race, RaceOfficial, Station
from races.services import race_import
from tests.race_payloads import KL_EKIDEN


@dataclass(frozen=True)
class Cast:
    olivia: object
    dana: object
    alice: object
    oscar: object


def organiser_of(race: Race, username: str = "olivia", password: str = "olivia-pass-123"):
    """A user who organises `race` (and nothing else)."""
    user = get_user_model().objects.create_user(username, password=password)
    RaceOfficial.objects.create(race=race, user=user, role=OfficialRole.ORGANISER)
    return user


def race_cast(race: Race, *, other_slug: str = "penang-ekiden") -> Cast:
    """Olivia, Dana, Alice (at R1) on `race`; Oscar organising another race."""
    users = get_user_model().objects
    olivia = organiser_of(race)
    dana, alice, oscar = (users.create_user(name) for name in ("dana", "alice", "oscar"))
    RaceOfficial.objects.create(race=race, user=dana, role=OfficialRole.RESULTS_DESK)
    duty = RaceOfficial.objects.create(race=race, user=alice, role=OfficialRole.STATION)
    duty.stations.add(Station.objects.get(race=race, code="R1"))
    other, _ = race_import(payload={**KL_EKIDEN, "slug": other_slug, "name": "Penang Ekiden"})
    RaceOfficial.objects.create(race=other, user=oscar, role=OfficialRole.ORGANISER)
    return Cast(olivia, dana, alice, oscar)
