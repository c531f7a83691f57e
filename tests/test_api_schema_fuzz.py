"""Every operation of the OpenAPI schema, called with data schemathesis makes from the schema
itself (valid and invalid), against the WSGI app in this process: no answer is a 5xx, and each
answer is one the schema declares, in the declared shape. The KL Ekiden is under way with its
splits at R1; the R1 tablet's token goes with every call, so the authenticated paths are
exercised and not only the 401. Runs on SQLite and on PostgreSQL (DATABASE_URL) alike."""

import itertools

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi import checks as openapi_checks

from races.audit import Actor
from races.services import entries_import, race_import
from results.timing.device_tokens import device_token_create, stations_by_code
from results.timing.services import timing_record_create
from tests.race_payloads import KL_EKIDEN, KL_ENTRIES

# Bounded, so the three operations (and the schema's own) take well under a minute on 2 cores.
EXAMPLES_PER_OPERATION = 60

# Checks that ask more of an API than a contract can: that any valid-looking read is stored
# (a random bib is rightly refused) and that every made-up value is refused (a free-text bib
# may be anything).
NOT_APPLICABLE = [openapi_checks.positive_data_acceptance, openapi_checks.negative_data_rejection]


@pytest.fixture
def connection_kept_between_calls():
    """As Django's test client does: the test's transaction holds the race, so the end of a call
    must not close the database connection (on PostgreSQL, that would lose the transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def kl_ekiden_under_way(db, connection_kept_between_calls):
    race, _ = race_import(payload=KL_EKIDEN)
    entries_import(race=race, raw=KL_ENTRIES.encode(), filename="entries.csv", actor=Actor("test"))
    timing_record_create(
        race=race, bib="101", station="R1", time="07:00:00.250", source="tablet", read_id="r1-101"
    )
    _token, plain = device_token_create(race=race, name="R1 tablet", stations=stations_by_code(race, ["R1"]))
    return race, plain


# Read from the app itself when this module is collected; nothing of it touches the database.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema?format=json", get_wsgi_application())
# schemathesis leaves out the operation the schema was read from; it is one of ours all the same.
schema.location = None
# Every other call is for the race that exists, so its results and its token are reached; the
# others keep whatever slug was made (a stranger's, an unknown one: a 404).
ALTERNATE = itertools.cycle([True, False])


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_a_server_error(case, kl_ekiden_under_way):
    race, token = kl_ekiden_under_way
    if case.path_parameters and "slug" in case.path_parameters and next(ALTERNATE):
        case.path_parameters["slug"] = race.slug
    # The WSGI client does not unzip, as an HTTP client would: ask for the plain body.
    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}
    excluded = list(NOT_APPLICABLE)
    if case.operation.path == "/api/v1/schema":
        # drf-spectacular's own view: an unknown ?format= is DRF's 404, which it does not declare.
        excluded.append(openapi_checks.status_code_conformance)
    case.call_and_validate(headers=headers, excluded_checks=excluded)
