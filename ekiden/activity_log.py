"""One log line per request and one per Celery task, for whoever watches the site on race day.

Requests: method, path (no query string: a search may be a runner's name), status, duration and
size, on the logger `tasuki.requests`; the TLS proxy in front logs the clients' addresses.
Tasks: name, id, final state and duration, on `tasuki.tasks`, from Celery's signals (a worker's
and an eager in-process run's alike). Both go where the LOGGING setting sends them: the
console, which systemd's journal or honcho collects.
"""

import logging
import time

from celery import signals

requests = logging.getLogger("tasuki.requests")
tasks = logging.getLogger("tasuki.tasks")


class RequestLogMiddleware:
    """First in the chain: the duration counts every other middleware too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        if requests.isEnabledFor(logging.INFO):
            size = "-" if response.streaming else len(response.content)
            requests.info(
                "%s %s %s %.1fms %sB",
                request.method,
                request.path,
                response.status_code,
                (time.perf_counter() - started) * 1000,
                size,
            )
        return response


_started: dict[str, float] = {}


@signals.task_prerun.connect
def _task_started(task_id=None, **kwargs) -> None:
    _started[task_id] = time.perf_counter()


@signals.task_postrun.connect
def _task_ended(task_id=None, task=None, state=None, **kwargs) -> None:
    started = _started.pop(task_id, None)
    duration = "?" if started is None else f"{(time.perf_counter() - started) * 1000:.1f}ms"
    tasks.info("%s %s %s %s", task.name if task else "?", task_id, state, duration)
