"""Model instances from rows of plain SQL (ekiden/plain_sql.py), as the ORM would load them."""

from datetime import UTC, date, datetime, time

import pytest
from django.db import connection

from ekiden import plain_sql
from races.models import Race
from races.services import race_import
from tests.race_payloads import KL_EKIDEN


@pytest.mark.django_db
def test_fields_in_any_order_load_as_the_orm_loads_them_and_the_others_stay_deferred():
    race, _ = race_import(payload=KL_EKIDEN)
    Race.objects.filter(pk=race.pk).update(registration_closes_at=datetime(2025, 11, 20, 16, tzinfo=UTC))
    names = ["registration_closes_at", "timezone", "id", "date", "start_time"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {plain_sql.columns(Race, names, 'r')} FROM races_race r WHERE r.id = %s", [race.pk]
        )
        loaded = plain_sql.instance(Race, names, cursor.fetchone())
    assert (loaded.pk, loaded.timezone, loaded.date, loaded.start_time) == (
        race.pk,
        "Asia/Kuala_Lumpur",
        date(2025, 11, 23),
        time(6, 30),
    )
    assert loaded.registration_closes_at == datetime(2025, 11, 20, 16, tzinfo=UTC)  # aware on SQLite too
    assert loaded.get_deferred_fields() >= {"name", "slug", "standings_version"}
