"""Errors reported to Sentry when SENTRY_DSN is set, and nothing of the people in them.

Off unless set. Entries and registrations carry birth dates and phone numbers, and officials'
reasons name people: no request bodies, headers, cookies or users, no local variables of the
failing code, no query data, and no query strings (a search may be a runner's name). What
remains is the exception, its stack and the URL's path: enough to find the bug.
"""

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration


def _without_query_strings(event, hint):
    request = event.get("request")
    if request:
        request.pop("query_string", None)
        request.pop("data", None)
        request.pop("cookies", None)
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
    return event


def error_reporting_init(dsn: str, *, environment: str, **options) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_headers": {"request": {"mode": "off"}},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "database_query_data": False,
            "stack_frame_variables": False,
        },
        before_send=_without_query_strings,
        traces_sample_rate=0.0,
        **options,
    )
