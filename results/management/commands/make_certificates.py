from datetime import UTC, datetime

from django.utils.translation import gettext as _

from races.command_line import ContractCommand
from races.models import Category, Race
from races.problems import InputProblems
from results.management.output_file import check_writable, write_output
from results.management.progress_bar import TerminalProgress
from results.publishing.pdf.certificates import (
    certificates,
    certificates_zip,
    finished_teams,
    no_finishers_message,
)
from results.publishing.pdf.fonts import MissingFont
from results.publishing.pdf.printed_race import printed_race
from results.standings.race_results import RaceResults
from results.standings.selectors import standings_for_race


class Command(ContractCommand):
    help = _(
        "Certificates for the runners of every finished team: one page per runner, or one per "
        "team with --team-pages. An --output ending in .zip gets one PDF per team instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("race_slug")
        parser.add_argument("--output", required=True, help=_("the PDF (or ZIP) file to write"))
        parser.add_argument(
            "--category", dest="category_code", help=_("only the teams of this category (its code)")
        )
        parser.add_argument("--team", help=_("only this team (its bib)"))
        parser.add_argument(
            "--team-pages",
            action="store_true",
            help=_("one page per team listing its runners, instead of one page per runner"),
        )

    def handle(self, *args, race_slug, output, category_code, team, team_pages, **options):
        race = self.race(race_slug)
        category = self.category(race, category_code) if category_code else None
        check_writable(output)
        results = standings_for_race(race)
        if team is not None:
            self.check_team(race, results, team)
        teams = finished_teams(results, category=category_code, bib=team)
        if not teams:
            raise InputProblems([no_finishers_message(race.name, category.name if category else None)])

        made_at = datetime.now(UTC)
        printed = printed_race(race, now=made_at)
        progress = TerminalProgress(self.stdout, _("certificates"))
        try:
            if output.lower().endswith(".zip"):
                made = certificates_zip(printed, results, teams, progress=progress, made_at=made_at)
            else:
                made = certificates(
                    printed,
                    results,
                    teams,
                    runner_pages=not team_pages,
                    team_pages=team_pages,
                    progress=progress,
                    made_at=made_at,
                )
        except MissingFont as exc:
            raise InputProblems([str(exc)]) from None
        progress.finish()
        write_output(output, made.content)
        # The pages drawn, counted: the certificate stock must stay in step with the file.
        self.stdout.write(
            _("wrote %(file)s: certificates for %(teams)d team(s), %(pages)d page(s).")
            % {"file": output, "teams": len(teams), "pages": made.pages}
        )

    def category(self, race: Race, code: str) -> Category:
        category = race.categories.filter(code=code).first()
        if category is None:
            known = ", ".join(race.categories.values_list("code", flat=True)) or _("none")
            raise InputProblems(
                [
                    _("category %(code)r does not exist in race %(race)s; its categories: %(known)s.")
                    % {"code": code, "race": race.slug, "known": known}
                ]
            )
        return category

    def check_team(self, race: Race, results: RaceResults, bib: str) -> None:
        standing = results.team(bib)
        if standing is None:
            raise InputProblems(
                [_("team %(bib)s is not in race %(race)s.") % {"bib": bib, "race": race.slug}]
            )
        if not standing.finished:
            raise InputProblems(
                [
                    _("team %(bib)s has not finished (%(status)s): it gets no certificate.")
                    % {"bib": bib, "status": standing.status}
                ]
            )
