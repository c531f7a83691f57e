"""`/healthz`: 200 when the database, Redis and the broker answer, 503 naming the one that does not."""

import pytest
from django.conf import settings
from django.db import connection
from django.db.utils import ConnectionHandler
from django.test import override_settings

from ekiden import health

pytestmark = pytest.mark.django_db

CLOSED_PORT = 1  # nothing listens there: a refused connection, as from a service that is down
REDIS_DOWN = {
    "default": {"BACKEND": "ekiden.redis_cache.RedisCache", "LOCATION": f"redis://127.0.0.1:{CLOSED_PORT}/4"}
}


def healthz(client):
    response = client.get("/healthz")
    return response, response.json()


def statuses(answer: dict) -> dict[str, str]:
    return {name: check["status"] for name, check in answer["checks"].items()}


@pytest.fixture
def database_down(monkeypatch):
    """The health check's database is a PostgreSQL server that is not there."""
    unreachable = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "tasuki_ops",
                "USER": "postgres",
                "HOST": "127.0.0.1",
                "PORT": str(CLOSED_PORT),
            }
        }
    )
    monkeypatch.setattr(health, "connections", unreachable)
    yield
    unreachable.close_all()


@pytest.mark.skipif(settings.REDIS_URL != "", reason="the embedded mode: no REDIS_URL")
def test_the_embedded_mode_is_healthy_and_says_what_it_does_not_use(client):
    response, answer = healthz(client)
    assert response.status_code == 200
    assert answer["status"] == "ok"
    assert statuses(answer) == {"database": "ok", "cache": "not used", "broker": "not used"}
    assert answer["checks"]["database"]["detail"] == connection.vendor
    assert "embedded mode" in answer["checks"]["cache"]["detail"]


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.skipif(
    connection.vendor != "postgresql" or not settings.REDIS_URL or settings.CELERY_TASK_ALWAYS_EAGER,
    reason="needs DATABASE_URL (PostgreSQL) and REDIS_URL with a real broker",
)
def test_postgresql_redis_and_the_broker_all_answer(client):
    response, answer = healthz(client)
    assert response.status_code == 200, answer
    assert statuses(answer) == {"database": "ok", "cache": "ok", "broker": "ok"}
    assert [answer["checks"][name]["detail"] for name in ("database", "cache", "broker")] == [
        "postgresql",
        "redis",
        "redis",
    ]


def test_a_database_that_cannot_be_reached_is_a_503_naming_it(client, database_down):
    response, answer = healthz(client)
    assert response.status_code == 503
    assert answer["status"] == "failing"
    assert answer["checks"]["database"] == {
        "status": "failing",
        "detail": "cannot be reached (OperationalError); see the site's log",
    }
    assert "127.0.0.1" not in response.content.decode()  # the reason is logged, not published


@override_settings(CACHES=REDIS_DOWN)
def test_a_redis_that_cannot_be_reached_is_a_503_naming_it(client):
    response, answer = healthz(client)
    assert response.status_code == 503
    assert answer["checks"]["cache"]["status"] == "failing"
    assert answer["checks"]["database"]["status"] == "ok"


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=f"redis://127.0.0.1:{CLOSED_PORT}/4")
def test_a_broker_that_cannot_be_reached_is_a_503_naming_it(client):
    response, answer = healthz(client)
    assert response.status_code == 503
    assert answer["checks"]["broker"]["status"] == "failing"


def test_the_answer_is_never_cached_and_sets_no_cookie(client):
    client.cookies.load({"sessionid": "a-reader-session"})
    response, _answer = healthz(client)
    assert "no-store" in response["Cache-Control"]
    assert "Set-Cookie" not in response.headers
    assert not response.cookies


def test_a_recovery_is_seen_at_once(client):
    with override_settings(CACHES=REDIS_DOWN):
        assert healthz(client)[0].status_code == 503
    assert healthz(client)[0].status_code == 200  # nothing of the failure was kept


@override_settings(
    SECURE_SSL_REDIRECT=True, SECURE_REDIRECT_EXEMPT=[r"^healthz$"], SECURE_PROXY_SSL_HEADER=None
)
def test_a_probe_over_plain_http_is_answered_not_redirected(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301


def test_only_reads_are_answered(client):
    assert client.post("/healthz").status_code == 405
