"""Race control, the announcer and the keypad's "next in" list, as officials open them.

Olivia organises the KL Ekiden (gun 06:30 in Kuala Lumpur; START, R1 5 km, R2 10 km, FINISH
15 km; carry-over cutoff 20 minutes), Dana works its results desk, Alice keeps station R1, Oscar
organises another race, Bob has no role. Worked by hand:

- 101 Harimau: R1 06:50:00, R2 07:12:00 (42 minutes for 10 km, 4:12 min/km): due at the finish
  21 minutes later, 07:33:00.
- 102 Sakura: R1 06:55:00 (5 min/km): due at R2 at 07:20:00.
- 103 Garuda: no time yet; the median of 20 and 25 minutes to R1 is 22:30: due at 06:52:30.
- 104 Naga: disqualified; expected nowhere.

K(R1) = 06:50 + 20 min = 07:10:00; K(R2) = 07:12 + 20 min = 07:32:00. Overdue after 10 minutes.
"""

import json
from datetime import UTC, date, datetime
from io import StringIO
from unittest import mock

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import TestCase

from races.audit import Actor
from races.models import Category, Runner, Station, Team
from races.services import race_import, team_status_set
from results.standings.closing import race_close_counting_dnf
from results.timing.services import timing_record_create, timing_record_void
from tests.cast import race_cast
from tests.race_payloads import KL_EKIDEN

PHONE = "+60 19-876 5432"
PHONE_DIGITS = "+60198765432"


def kl(hours: int, minutes: int, seconds: int = 0) -> datetime:
    """A time of day on race day in Kuala Lumpur (UTC+8), as an aware UTC datetime."""
    return datetime(2025, 11, 22, hours - 8 + 24, minutes, seconds, tzinfo=UTC)


def at(moment: datetime):
    return mock.patch("django.utils.timezone.now", return_value=moment)


class RaceControlTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.race, _ = race_import(payload=KL_EKIDEN)
        cast = race_cast(cls.race)
        cls.olivia, cls.dana, cls.alice, cls.oscar = cast.olivia, cast.dana, cast.alice, cast.oscar
        cls.bob = get_user_model().objects.create_user("bob")
        mixed = Category.objects.get(race=cls.race, code="MX")
        for bib, name, phone in (
            ("101", "Harimau", ""),
            ("102", "Sakura", PHONE),
            ("103", "Garuda Long Distance Running Club of Petaling Jaya", "012 345"),
            ("104", "Naga", ""),
        ):
            team = Team.objects.create(race=cls.race, bib=bib, name=name, category=mixed, captain_phone=phone)
            for leg, gender in ((1, "F"), (2, "M"), (3, "F")):
                Runner.objects.create(
                    race=cls.race,
                    team=team,
                    leg=leg,
                    name=f"{name} runner {leg}",
                    gender=gender,
                    birth_date=date(1990, 1, 1),
                )
        for bib, station, time in (
            ("101", "R1", "06:50:00"),
            ("101", "R2", "07:12:00"),
            ("102", "R1", "06:55:00"),
            ("104", "R1", "06:45:00"),
        ):
            timing_record_create(race=cls.race, bib=bib, station=station, time=time, source="chip")
        team_status_set(race=cls.race, bib="104", status="DQ", reason="cut the course", actor=Actor("test"))

    def page(self, user, path: str = "control/", moment: datetime | None = None, **headers):
        if user is not None:
            self.client.force_login(user)
        with at(moment or kl(7, 35)):
            return self.client.get(f"/officials/kl-ekiden/{path}", headers=headers)


class TestWhoMayOpenThem(RaceControlTestCase):
    PAGES = ("control/", "announcer/")

    def test_an_anonymous_visitor_is_sent_to_log_in(self):
        for page in self.PAGES:
            response = self.page(None, page)
            assert response.status_code == 302, page
            assert response["Location"] == f"/officials/login/?next=/officials/kl-ekiden/{page}"

    def test_a_station_official_an_organiser_of_another_race_and_a_stranger_are_refused(self):
        for user in (self.alice, self.oscar, self.bob):
            for page in self.PAGES:
                response = self.page(user, page)
                assert response.status_code == 403, (user, page)
                assert PHONE not in response.content.decode()

    def test_the_organisers_and_the_results_desk_open_them(self):
        for user in (self.olivia, self.dana):
            for page in self.PAGES:
                assert self.page(user, page).status_code == 200, (user, page)

    def test_the_officials_home_links_them_for_those_who_may_open_them(self):
        self.client.force_login(self.dana)
        home = self.client.get("/officials/").content.decode()
        assert '"/officials/kl-ekiden/control/"' in home and '"/officials/kl-ekiden/announcer/"' in home
        self.client.force_login(self.alice)
        home = self.client.get("/officials/").content.decode()
        assert "/control/" not in home and "/announcer/" not in home


class TestRaceControl(RaceControlTestCase):
    def board(self, content: str, code: str) -> str:
        start = content.index(f'id="board-{code}"')
        return content[start : content.index("</section>", start)]

    def test_per_station_through_expected_leader_and_last(self):
        content = self.page(self.olivia).content.decode()
        r1 = self.board(content, "R1")
        assert "2 through" in r1 and "1 still expected" in r1  # the DQ team counts neither way
        assert "101 Harimau · 06:50:00 · 0:20:00" in r1
        assert "102 Sakura · 06:55:00" in r1
        r2 = self.board(content, "R2")
        assert "1 through" in r2 and "2 still expected" in r2
        assert "101 Harimau · 07:12:00 · 0:42:00" in r2
        finish = self.board(content, "FINISH")
        assert "0 through" in finish and "3 still expected" in finish

    def test_the_carry_over_time_and_its_countdown_against_the_server_clock(self):
        content = self.page(self.olivia, moment=kl(7, 25)).content.decode()
        r2 = self.board(content, "R2")
        assert "Carry-over start at 07:32:00" in r2
        # 07:32:00 in Kuala Lumpur is 23:32:00 UTC the day before: 1763854320000 ms.
        assert 'data-countdown-ms="1763854320000"' in r2
        assert 'data-server-now-ms="1763853900000"' in content  # 07:25:00
        assert ">in 7:00</strong>" in r2 and "Carried over if not in by then:" in r2
        # 102 is due at R2 at 07:20, before K; 103 is not past R1 yet (no projection at R2).
        assert "102 Sakura · due 07:20:00" in r2 and "projected after" not in r2
        assert "103 Garuda" in r2
        r1 = self.board(content, "R1")
        assert "Carry-over start at 07:10:00" in r1 and "passed" in r1

    def test_before_the_first_arrival_the_carry_over_waits_for_it(self):
        content = self.page(self.olivia, moment=kl(7, 35)).content.decode()
        assert "Carry-over start: at the first arrival + 20 min." not in self.board(content, "R1")
        Station.objects.filter(race=self.race, code="R1").update(kuriage_minutes=15)
        self.race.timing_records.all().delete()
        self.race.bump_standings_version()
        content = self.page(self.olivia).content.decode()
        assert "Carry-over start: at the first arrival + 15 min." in self.board(content, "R1")
        assert "at the first arrival + 20 min." in self.board(content, "R2")
        assert "4 teams due here have no projection yet" not in content  # the DQ team is not due
        assert "3 teams due here have no projection yet" in self.board(content, "R1")

    def test_a_team_projected_after_the_carry_over_is_marked(self):
        # 102 only at 07:15 at R1: 45 minutes for 5 km; carried over at K(R1) = 07:10, it is due
        # at R2 45 minutes after 07:10, at 07:55, after K(R2) = 07:32.
        self.race.timing_records.filter(team__bib="102").delete()
        timing_record_create(race=self.race, bib="102", station="R1", time="07:15:00", source="chip")
        r2 = self.board(self.page(self.olivia, moment=kl(7, 30)).content.decode(), "R2")
        assert '<li class="late">102 Sakura · due 07:55:00 · <strong>projected after the carry-over' in r2

    def test_the_next_in_list_names_the_runner_waiting(self):
        content = self.page(self.olivia).content.decode()
        r1 = self.board(content, "R1")
        assert '06:52:30</span> <span class="team-name">103 Garuda' in r1
        assert "→ Garuda Long Distance Running Club of Petaling Jaya runner 2" in r1
        finish = self.board(content, "FINISH")
        assert '07:33:00</span> <span class="team-name">101 Harimau' in finish
        assert "→" not in finish  # nobody takes a tasuki at the finish

    def test_the_overdue_list_with_the_runner_out_and_the_captain_s_phone(self):
        content = self.page(self.olivia, moment=kl(7, 35)).content.decode()
        overdue = content[content.index('id="overdue"') : content.index('id="board-R1"')]
        # 103 was due at R1 at 06:52:30: 42 minutes late; 102 at R2 at 07:20: 15 minutes late.
        assert overdue.index("103 Garuda") < overdue.index("102 Sakura")
        assert "due at R1 at 06:52:30: 42 min overdue" in overdue
        assert "due at R2 at 07:20:00: 15 min overdue" in overdue
        assert "leg 2</span>" not in overdue and "on the course: leg 2, Sakura runner 2" in overdue
        assert f'<a href="tel:{PHONE_DIGITS}">{PHONE}</a>' in overdue
        assert "101 Harimau" not in overdue  # due at 07:33, overdue only after 07:43
        # 103 has no split at all: the public pages already say "Did not start"; here, check it.
        garuda = overdue[overdue.index("103 Garuda") : overdue.index("102 Sakura")]
        assert "no split yet: still on leg 1, or it never started" in garuda
        assert 'href="/officials/kl-ekiden/teams/103/">If it never started, set DNS on its page' in garuda
        sakura = overdue[overdue.index("102 Sakura") :]
        assert "never started" not in sakura

    def test_the_most_overdue_are_listed_and_the_rest_counted(self):
        with mock.patch("results.officials.race_control.OVERDUE_SHOWN", 1):
            content = self.page(self.olivia, moment=kl(7, 35)).content.decode()
        overdue = content[content.index('id="overdue"') : content.index('id="board-R1"')]
        assert "103 Garuda" in overdue and "102 Sakura" not in overdue
        assert "and 1 more team overdue" in overdue

    def test_within_the_margin_a_team_is_not_overdue(self):
        content = self.page(self.olivia, moment=kl(7, 30)).content.decode()
        overdue = content[content.index('id="overdue"') : content.index('id="board-R1"')]
        assert "103 Garuda" in overdue and "102 Sakura" not in overdue  # 07:30 is 07:20 + 10 exactly

    def test_the_last_records_without_the_voided_ones(self):
        record = self.race.timing_records.get(team__bib="101", station__code="R2")
        timing_record_void(record=record, reason="wrong bib", actor=Actor("test"))
        content = self.page(self.olivia).content.decode()
        records = content[content.index("Last records") :]
        assert "06:55:00.0" in records and "Chip reader" in records
        assert "07:12:00.0" not in records

    def test_a_closed_race_expects_nobody_and_stops_polling(self):
        race_close_counting_dnf(race=self.race, actor=Actor("test"))
        content = self.page(self.olivia).content.decode()
        assert "The race is closed" in content and "hx-trigger" not in content
        assert "No team is overdue." in content


class TestPolling(RaceControlTestCase):
    def test_an_unchanged_poll_is_answered_not_modified_and_a_new_split_changes_it(self):
        first = self.page(self.olivia, moment=kl(7, 35), HX_Request="true")
        assert first.status_code == 200 and "private" in first["Cache-Control"]
        etag = first["ETag"]
        again = self.page(self.olivia, moment=kl(7, 35, 40), HX_Request="true", If_None_Match=etag)
        assert again.status_code == 304
        # The next minute may flag a team overdue: the page is new.
        later = self.page(self.olivia, moment=kl(7, 36, 1), HX_Request="true", If_None_Match=etag)
        assert later.status_code == 200
        timing_record_create(race=self.race, bib="103", station="R1", time="07:00:00", source="tablet")
        changed = self.page(self.olivia, moment=kl(7, 35, 40), HX_Request="true", If_None_Match=etag)
        assert changed.status_code == 200 and "07:00:00.0" in changed.content.decode()

    def test_the_etag_is_per_user(self):
        first = self.page(self.olivia, HX_Request="true")
        other = self.page(self.dana, HX_Request="true", If_None_Match=first["ETag"])
        assert other.status_code == 200

    def test_the_whole_page_is_never_answered_from_a_validator(self):
        assert not self.page(self.olivia).has_header("ETag")


class TestAnnouncer(RaceControlTestCase):
    def test_the_next_teams_due_at_the_finish_with_places_and_runners(self):
        content = self.page(self.olivia, "announcer/").content.decode()
        coming = content[content.index("Next at the finish") : content.index("Just finished")]
        assert "due 07:33:00" in coming and "101 Harimau" in coming and "Mixed Open" in coming
        assert "1 overall, 1 in category at R2" in coming
        assert "Harimau runner 1 · Harimau runner 2 · Harimau runner 3" in coming
        assert "Sakura" not in coming  # on leg 2

    def test_the_category_place_counts_the_team_s_own_category_only(self):
        men = Category.objects.get(race=self.race, code="MO")
        Team.objects.create(race=self.race, bib="105", name="Kancil", category=men)
        for station, time in (("R1", "06:48:00"), ("R2", "07:10:00")):
            timing_record_create(race=self.race, bib="105", station=station, time=time, source="chip")
        content = self.page(self.olivia, "announcer/").content.decode()
        coming = content[content.index("Next at the finish") : content.index("Just finished")]
        assert "2 overall, 1 in category at R2" in coming  # 101: Kancil ahead, but in Men Open
        assert "1 overall, 1 in category at R2" in coming  # 105

    def test_the_last_finishers_with_their_place(self):
        timing_record_create(race=self.race, bib="101", station="FINISH", time="07:34:10", source="chip")
        content = self.page(self.olivia, "announcer/").content.decode()
        finished = content[content.index("Just finished") :]
        assert "1. 101 Harimau" in finished and "1:04:10" in finished and "in at 07:34:10" in finished

    def test_the_last_one_in_comes_first(self):
        timing_record_create(race=self.race, bib="101", station="FINISH", time="07:34:10", source="chip")
        timing_record_create(race=self.race, bib="102", station="R2", time="07:20:00", source="chip")
        timing_record_create(race=self.race, bib="102", station="FINISH", time="07:34:50", source="chip")
        content = self.page(self.olivia, "announcer/", moment=kl(7, 36)).content.decode()
        finished = content[content.index("Just finished") :]
        assert finished.index("102 Sakura") < finished.index("101 Harimau")


class TestKeypadNextIn(RaceControlTestCase):
    def test_the_station_official_sees_the_teams_due_with_the_runner_to_call(self):
        self.client.force_login(self.alice)
        keypad = self.client.get("/officials/kl-ekiden/stations/R1/").content.decode()
        assert 'hx-get="/officials/kl-ekiden/stations/R1/next-in"' in keypad
        with at(kl(6, 48)):
            content = self.client.get(
                "/officials/kl-ekiden/stations/R1/next-in", headers={"HX-Request": "true"}
            )
        assert content.status_code == 200
        assert (
            "06:52:30" in content.content.decode()
            and "Garuda Long Distance Running Club of Petaling Jaya runner 2" in content.content.decode()
        )
        assert PHONE not in content.content.decode()

    def test_another_station_s_list_is_refused_and_a_lost_session_is_not_the_login_page(self):
        self.client.force_login(self.alice)
        assert self.client.get("/officials/kl-ekiden/stations/R2/next-in").status_code == 403
        self.client.logout()
        assert self.client.get("/officials/kl-ekiden/stations/R1/next-in").status_code == 401


class TestTheCaptainsPhoneStaysPrivate(RaceControlTestCase):
    def test_on_the_officials_team_page_for_the_desk_only(self):
        self.client.force_login(self.dana)
        self.assertContains(
            self.client.get("/officials/kl-ekiden/teams/102/"), f'<a href="tel:{PHONE_DIGITS}">'
        )
        self.client.force_login(self.alice)
        page = self.client.get("/officials/kl-ekiden/teams/102/")
        assert page.status_code == 200 and "5432" not in page.content.decode()

    def test_not_on_the_public_pages_exports_or_the_api(self):
        with at(kl(7, 35)):
            pages = {
                "team page": self.client.get("/races/kl-ekiden/teams/102/"),
                "standings": self.client.get("/races/kl-ekiden/"),
                "standings CSV": self.client.get("/races/kl-ekiden/?_export=csv"),
                "results API": self.client.get("/api/v1/races/kl-ekiden/results"),
            }
        for what, response in pages.items():
            assert response.status_code == 200, what
            body = response.content.decode()
            assert "Sakura" in body, what
            assert "876" not in body and "5432" not in body, what
        for export_format in ("json", "csv"):
            out = StringIO()
            call_command("export_results", "kl-ekiden", "--format", export_format, stdout=out)
            assert "Sakura" in out.getvalue() and "5432" not in out.getvalue(), export_format
        assert "876" not in json.dumps(self.client.get("/api/v1/races/kl-ekiden/results").json())
