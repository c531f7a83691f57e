"""The finish announcer's view: who is about to finish, in large type, and who just did.

For the announcer at the finish line with a microphone: the next teams due (their projected
arrival, results.standings.projections), each with its category, its place where it was last
timed, and its runners' names to call out; then the last teams in with their places. It polls
like race control (results/officials/live.py).
"""

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import condition

from races.access import is_race_organiser, works_results_desk
from races.models import Race
from results.officials.guards import race_page_required
from results.officials.live import officials_etag, private
from results.officials.race_control import clock, live_poll_seconds
from results.standings.display import format_duration
from results.standings.race_control import places_at
from results.standings.selectors import race_control_for

ONLY_FOR_DESK = gettext_lazy("The announcer's view is for the race's organisers and the results desk.")
#: The next teams due at the finish, and the last ones in.
NEXT_DUE = 10
LAST_IN = 5


@race_page_required(works_results_desk, ONLY_FOR_DESK)
@condition(etag_func=officials_etag)
def announcer(request, race: Race):
    control = race_control_for(race)
    results = control.results
    by_bib = {team.bib: team for team in results.teams}
    categories = dict(race.categories.values_list("code", "name"))
    finish = control.course.stations[-1].code
    # The finish's board keeps its next teams due (results/standings/race_control.py).
    due = [p for p in control.board(finish).next_in if p.bib in by_bib][:NEXT_DUE]
    places = places_at(results, [(p.bib, p.last_station) for p in due])
    coming = []
    for projection in due:
        team = by_bib[projection.bib]
        place, category_place = places[team.bib]
        coming.append(
            {
                "bib": team.bib,
                "name": team.name,
                "category": categories.get(team.category, team.category),
                "due": clock(projection.projected_ms, race),
                "station": projection.last_station,
                "place": place,
                "category_place": category_place,
                "runners": [leg.runner for leg in team.legs if leg.runner],
            }
        )
    finished = [(by_bib[bib], at_ms) for bib, at_ms in control.last_in if bib in by_bib][:LAST_IN]
    last_in = [
        {
            "bib": team.bib,
            "name": team.name,
            "category": categories.get(team.category, team.category),
            "at": clock(at_ms, race),
            "total": format_duration(team.total_ms),
            "place": team.rank,
            "category_place": team.category_rank,
        }
        for team, at_ms in finished
    ]
    now = timezone.now()
    context = {
        "race": race,
        "desk": True,
        "organiser": is_race_organiser(request.user, race),
        "coming": coming,
        "last_in": last_in,
        "checked_at": clock(int(now.timestamp() * 1000), race),
        "poll_seconds": live_poll_seconds(),
        "live": not race.is_closed,
    }
    template = "officials/announcer/live.html" if request.htmx else "officials/announcer/page.html"
    return private(render(request, template, context))
