"""Following a team, public and without an account: the Follow button's endpoint, the e-mail form,
the confirmation and stop links, and the public service worker.

Who may do what: anyone may ask to follow (rate-limited per client, `TASUKI_FOLLOW_RATE`);
only the holder of a signed link (the confirmation e-mail, the stop link in each notification
or e-mail) may confirm or stop a subscription.

No CSRF token: the team page is cached for everyone and carries none (docs/decisions/
live-pages.md). CSRF guards what a visitor's session may do; these views use no session and act
on nothing of the visitor's: a forged request can only ask what anyone may ask directly, and the
push endpoint takes only a JSON body (which a cross-site form cannot send without the browser
asking first) checked strictly (results/following/services.py). The stop link is a signed
token, which a forger does not have.
"""

import json

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ekiden.json_body import JSONBodyRefused, json_body
from ekiden.request_input import answers_json
from ekiden.throttle import client_address, follow_attempt
from races.models import Race, Team
from races.problems import InputProblems, Problem, problems_document
from results.following.models import PushSubscription
from results.following.services import (
    email_follow_request,
    email_subscription_confirm,
    push_subscription_add,
    subscription_stop,
)
from results.following.tokens import (
    ConfirmLinkExpired,
    email_request_of_confirm_token,
    stop_token,
    subscription_of_stop_token,
)

SUBSCRIPTION_MAX_BYTES = 4096


def _team(slug: str, bib: str) -> Team:
    race = get_object_or_404(Race, slug=slug)
    return get_object_or_404(race.teams.select_related("race"), bib=bib)


def _race_over() -> Problem:
    """Following a team of a closed race, by push or by e-mail (409)."""
    return Problem(_("the race is over: no more passes to tell. Its results are on the team's page."))


def _too_many(request) -> tuple[Problem, int] | None:
    """Too many follow requests from this address (429): the problem and the seconds to wait."""
    attempt = follow_attempt(client_address(request), now=timezone.now().timestamp())
    if attempt.allowed:
        return None
    message = _("too many requests to follow from here; try again in %d seconds.") % attempt.retry_after
    return Problem(message), attempt.retry_after


def _refused(status: int, *problems: Problem, retry_after: int | None = None) -> JsonResponse:
    response = JsonResponse(problems_document(problems), status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


@answers_json
@csrf_exempt
@require_POST
def follow_push(request, slug: str, bib: str):
    """The Follow button: store the browser's push subscription for this team. Anyone may."""
    team = _team(slug, bib)
    if team.race.is_closed:
        return _refused(409, _race_over())
    if request.content_type != "application/json":
        return _refused(415, Problem(_("send the subscription as JSON (Content-Type: application/json).")))
    if (wait := _too_many(request)) is not None:
        return _refused(429, wait[0], retry_after=wait[1])
    try:
        payload = json_body(request, max_bytes=SUBSCRIPTION_MAX_BYTES)
        follower, created = push_subscription_add(team=team, subscription=payload, language=get_language())
    except JSONBodyRefused as refusal:
        return _refused(refusal.status, Problem(refusal.message))
    except InputProblems as refused:
        return _refused(400, *refused.problems)
    answer = JsonResponse(
        {"following": team.bib, "stop_url": reverse("following:stop", args=[stop_token(follower)])},
        status=201 if created else 200,
    )
    answer["Cache-Control"] = "no-store"
    return answer


@csrf_exempt
@require_POST
@never_cache
def follow_email(request, slug: str, bib: str):
    """The e-mail form: send the confirmation e-mail (nothing stored yet). Anyone may."""
    team = _team(slug, bib)
    email = request.POST.get("email", "")
    context = {"race": team.race, "team": team, "email": email}
    if team.race.is_closed:
        context["problems"] = [_race_over()]
        return render(request, "following/email_refused.html", context, status=409)
    if (wait := _too_many(request)) is not None:
        context["problems"] = [wait[0]]
        response = render(request, "following/email_refused.html", context, status=429)
        response["Retry-After"] = str(wait[1])
        return response
    try:
        email_follow_request(team=team, email=email, language=get_language(), now=timezone.now().timestamp())
    except InputProblems as refused:
        context["problems"] = refused.problems
        return render(request, "following/email_refused.html", context, status=400)
    return render(request, "following/email_sent.html", context)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@never_cache
def confirm(request, token: str):
    """The confirmation e-mail's link: a page with a Follow button (a mail scanner that opens
    links follows nothing); its POST stores the address. Only the link's holder may."""
    try:
        wanted = email_request_of_confirm_token(token)
    except ConfirmLinkExpired:
        return render(request, "following/link_refused.html", {"expired": True}, status=410)
    if wanted is None:
        return render(request, "following/link_refused.html", {"expired": False}, status=404)
    team = Team.objects.select_related("race").filter(pk=wanted.team_id).first()
    if team is None:
        raise Http404(_("This team is no longer in the race."))
    context = {"race": team.race, "team": team, "email": wanted.email, "confirmed": False}
    if request.method == "POST":
        if email_subscription_confirm(request=wanted) is None:
            raise Http404(_("This team is no longer in the race."))
        context["confirmed"] = True
    return render(request, "following/confirm.html", context)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@never_cache
def stop(request, token: str):
    """A notification's or e-mail's stop link: a page with one button; its POST (or a mail
    program's one-click POST, RFC 8058) deletes the subscription. Only the link's holder may."""
    follower = subscription_of_stop_token(token)
    if request.method == "POST":
        if follower is not None:
            team = follower.team
            subscription_stop(follower)
            return render(request, "following/stopped.html", {"race": team.race, "team": team})
        # Stopped already (a second click, or the mail program's POST first): the same answer.
        return render(request, "following/stopped.html", {"race": None, "team": None})
    if follower is None:
        return render(request, "following/link_refused.html", {"stopped": True}, status=404)
    context = {
        "race": follower.team.race,
        "team": follower.team,
        "by_push": isinstance(follower, PushSubscription),
    }
    return render(request, "following/stop.html", context)


@require_GET
def service_worker(request):
    """The public service worker, which shows a followed team's notifications. Served at the top
    of /races/ so that its scope covers the team pages; it holds nothing private."""
    scope = worker_scope()
    script = render_to_string("following/sw.js", {"scope_json": json.dumps(scope)})
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = scope
    return response


def worker_scope() -> str:
    """/races/: the folder the worker is served from, which holds every team page."""
    return reverse("following:service-worker").rsplit("/", 1)[0] + "/"
