"""The station keypad: a phone at a relay point records who passed and when, even offline.

The page itself is static once loaded: its scripts (results/static/officials/keypad*.js)
keep every entry in the browser's IndexedDB and post it to the device API
(`POST /api/v1/races/<slug>/timings`), retrying until the server has it. Here are the page, the small JSON endpoints it reads (the server
clock, the station's roster), the void it asks for, and its service worker.
"""

import hashlib
import json
import time

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponse, HttpResponseNotModified, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import condition, require_GET, require_POST

from ekiden.json_body import JSONBodyRefused, json_body
from ekiden.request_input import answers_json
from races.audit import Actor
from races.problems import InputProblems, Problem, problems_document
from races.services.results_states import closed_refusal
from results.officials.guards import official_json_required, station_official_required
from results.officials.live import officials_etag, private
from results.officials.race_control import LiveTeams, next_in_rows
from results.officials.roster import legs_at, station_roster_json
from results.standings.selectors import race_control_for
from results.timing.models import Source, TimingRecord
from results.timing.services import timing_record_void

# The files the service worker keeps so the keypad reloads at a roadside without a network.
OFFLINE_ASSETS = (
    "officials/keypad.css",
    "officials/keypad-logic.js",
    "officials/keypad-store.js",
    "officials/keypad-clock.js",
    "officials/keypad-outbox.js",
    "officials/keypad-roster.js",
    "officials/keypad-screen.js",
    "officials/keypad.js",
)
# A void is an id and a reason; a body this size is no void.
VOID_MAX_BYTES = 16 * 1024
# A phone shows the last entries of its station; older ones stay in its storage and on the server.
ENTRIES_SHOWN = 50
# The "next in" list under the keypad: projections move by the minute, not by the second.
NEXT_IN_POLL_SECONDS = 20


def keypad_strings() -> dict[str, str]:
    """Everything the script writes on the screen, translated here; %(name)s marks a value."""
    return {
        "offset": _("clock offset %(offset)s s"),
        "offset_unknown": _("clock offset not measured yet: using this phone's clock"),
        "offset_old": _("clock offset %(offset)s s (measured %(minutes)s min ago)"),
        "online": _("online"),
        "offline": _("offline"),
        "waiting": _("Waiting to send: %(count)s"),
        "all_sent": _("All entries sent"),
        "retry_in": _("next try in %(seconds)s s"),
        "login_again": _("Log in again to send them: your entries are kept on this phone."),
        "no_endpoint": _("The server does not take entries yet (%(status)s); they are kept and retried."),
        "server_trouble": _("The server did not answer (%(status)s); entries are kept and retried."),
        "offline_ready": _("ready offline"),
        "offline_not_ready": _("not ready offline yet"),
        "unknown_bib": _("Bib %(bib)s is not in this race's list."),
        "unknown_team": _("Unknown bib"),
        "same_bib": _("Team %(bib)s was recorded here %(seconds)s s ago."),
        "past_station": _("Team %(bib)s was already recorded at %(station)s, past this station."),
        "already_here": _("Team %(bib)s was already recorded here at %(time)s."),
        "status": _("Team %(bib)s has status %(status)s."),
        "arrived": _("Arrived"),
        "passing": _("Passing"),
        "next": _("Next"),
        "leg": _("leg %(number)s"),
        "state_tap": _("tap"),
        "state_waiting": _("waiting"),
        "state_stored": _("stored"),
        "state_refused": _("refused"),
        "state_voiding": _("voiding"),
        "state_voided": _("voided"),
        "state_dismissed": _("dismissed"),
        "count_stored": _("%(count)s stored"),
        "count_waiting": _("%(count)s waiting"),
        "count_refused": _("%(count)s refused"),
        "refused_entry": _("%(bib)s at %(time)s REFUSED:"),
        "refused_told": _("%(bib)s at %(time)s was REFUSED: %(message)s"),
        "refused_help": _("Fix the bib or the time and enter it again, or dismiss it."),
        "refused_closed_help": _("No fix is possible at this keypad: dismiss it, and tell the results desk."),
        "more_refused": _("%(count)s more refused: see the list below."),
        "fix": _("Fix"),
        "dismiss": _("Dismiss"),
        "dismissed": _("Refused entry %(bib)s dismissed."),
        "fixing": _(
            "Fixing %(bib)s at %(time)s: correct the bib and press Enter to keep its time,"
            " or record it with the time now."
        ),
        "record_now": _("Record with the time now"),
        "record_anyway": _("Record anyway"),
        "void": _("Void…"),
        "void_title": _("Void %(bib)s (%(team)s) at %(time)s?"),
        "remove": _("Remove"),
        "dropped": _("Entry %(bib)s removed before it was sent."),
        "tap_dropped": _("Tap at %(time)s removed."),
        "void_asked": _("Void of %(bib)s asked; it is sent with the entries."),
        "void_refused": _("Void refused: %(message)s"),
        # The words problem_line gives a problem with a field (races.problems).
        "field_problem": _("%(field)s: %(message)s"),
        "nothing_to_undo": _("Nothing to undo."),
        "undo_reason": _("Undone at the keypad right after entry"),
        "type_a_bib": _("Type a bib first."),
        "no_tap_waiting": _("No tap is waiting for a bib: press TAP as the runner crosses."),
        "tap_recorded": _("Tap %(number)s at %(time)s kept."),
        "next_bib": _("Next bib goes to tap %(number)s at %(time)s."),
        "paired": _("Tap %(number)s is %(bib)s."),
        "send_paired": _("Send %(count)s paired"),
        "sent_paired": _("%(count)s paired entries are on their way."),
        "taps_waiting": _("Taps without a bib: %(count)s"),
        "recorded": _("%(bib)s recorded at %(time)s."),
        "kept": _("%(bib)s at %(time)s is kept on this phone; sending…"),
        "held_time": _(
            "Its time %(time)s is kept: correct the bib with ⌫ or C and press Enter, or discard it."
            " A new bib typed starts a new entry."
        ),
        "phone_trouble": _("This phone could not send (%(error)s); entries are kept and retried."),
        "empty_list": _("No entries at this station on this phone yet."),
        "next_in_none": _("No team is due here at the moment."),
        "delete_tap": _("Delete tap %(number)s"),
        "edit_tap": _("Tap %(number)s: type the right bib and press Enter."),
    }


@station_official_required
@ensure_csrf_cookie
def keypad(request, race, station):
    arriving, leaving = legs_at(race, station)
    config = {
        "race": race.slug,
        "station": station.code,
        "timezone": race.timezone,
        "language": request.LANGUAGE_CODE,
        "source": Source.TABLET,
        # A closed race refuses reads (409): the page opens with its entry area disabled.
        "closed": race.is_closed,
        "entriesShown": ENTRIES_SHOWN,
        "csrfCookie": settings.CSRF_COOKIE_NAME,
        # The cookie's token is fresher (a login changes it); this one serves if it is unreadable.
        "csrfToken": get_token(request),
        "urls": {
            "timings": reverse("api-race-timings", kwargs={"slug": race.slug}),
            "clock": reverse("officials:clock", kwargs={"slug": race.slug}),
            "roster": reverse("officials:roster", kwargs={"slug": race.slug, "code": station.code}),
            "void": reverse("officials:void", kwargs={"slug": race.slug, "code": station.code}),
            "serviceWorker": reverse("officials:service-worker"),
            "scope": reverse("officials:index"),
            "login": reverse("officials:login") + "?" + urlencode({"next": request.path}),
            "page": request.path,
        },
        "strings": keypad_strings(),
    }
    return render(
        request,
        "officials/keypad.html",
        {
            "race": race,
            "station": station,
            "arriving": arriving,
            "leaving": leaving,
            "config": config,
            "next_in_poll_seconds": NEXT_IN_POLL_SECONDS,
        },
    )


@require_GET
@official_json_required(station=True)
@condition(etag_func=officials_etag)
def next_in(request, race, station):
    """The next teams due at this station, with the runner to call into the zone for each.

    Behind the keypad's JSON doors: a poll whose session ended gets a 401 that htmx leaves
    unswapped, not the login page inside the keypad."""
    control = race_control_for(race)
    board = control.board(station.code)
    context = {
        "rows": next_in_rows(control, LiveTeams(control), board, race) if board else [],
        "without": board.due_without_projection if board else 0,
        "live": not race.is_closed,
    }
    return private(render(request, "officials/keypad_next_in.html", context))


@answers_json
@require_GET
@never_cache
@official_json_required(station=False)
def clock(request, race):
    """The server's time, for the keypad to measure its phone's clock against."""
    return JsonResponse({"now_ms": time.time_ns() // 1_000_000})


@answers_json
@require_GET
@official_json_required(station=True)
def roster(request, race, station):
    # The keypad asks every minute; a race of 25,000 teams need not travel again unchanged.
    body, etag = station_roster_json(race, station)
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


@answers_json
@require_POST
@official_json_required(station=True)
def void(request, race, station):
    """Void one of this station's records, found by the id the keypad gave it."""
    try:
        payload = json_body(request, max_bytes=VOID_MAX_BYTES)
    except JSONBodyRefused as refusal:
        if refusal.status == 413:
            return _refused(413, Problem(refusal.message))
        payload = None
    if not isinstance(payload, dict):
        return _refused(400, Problem(_('Send a JSON object: {"read_id": …, "reason": …}.')))
    read_id, reason = str(payload.get("read_id") or "").strip(), str(payload.get("reason") or "")
    if not read_id:
        return _refused(400, Problem(_("say which entry to void."), field="read_id"))
    record = TimingRecord.objects.filter(race=race, read_id=read_id).select_related("station").first()
    if record is None:
        return _refused(404, Problem(_("no entry %s has reached the server.") % read_id, field="read_id"))
    if record.station_id != station.pk:
        message = _("this entry was recorded at %(other)s; void it there or on the corrections page.")
        return _refused(403, Problem(message % {"other": record.station.code}, field="read_id"))
    if record.voided:  # a void re-sent after a lost answer: done already
        return JsonResponse({"read_id": read_id, "voided": True})
    if race.is_closed:  # the results desk corrects a closed race, on the team's page
        return _refused(409, closed_refusal())
    try:
        timing_record_void(record=record, reason=reason, actor=Actor.of_user(request.user))
    except InputProblems as exc:
        return _refused(getattr(exc, "status_code", 400), *exc.problems)
    return JsonResponse({"read_id": read_id, "voided": True})


def _refused(status: int, *problems: Problem) -> JsonResponse:
    return JsonResponse(problems_document(problems), status=status)


def _assets_version() -> str:
    digest = hashlib.sha256()
    for name in OFFLINE_ASSETS:
        with open(finders.find(name), "rb") as asset:
            digest.update(asset.read())
    return digest.hexdigest()[:12]


@require_GET
def service_worker(request):
    """The keypad's service worker. Served here, not under /static/, so that its scope covers
    the keypad pages (/officials/); it holds nothing private, so it needs no login."""
    assets = [staticfiles_storage.url(name) for name in OFFLINE_ASSETS]
    scope = reverse("officials:index")
    script = render_to_string(
        "officials/sw.js",
        {
            "cache_name": f"tasuki-keypad-{_assets_version()}",
            "assets_json": json.dumps(assets),
            "scope_json": json.dumps(scope),
        },
    )
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = scope
    return response
