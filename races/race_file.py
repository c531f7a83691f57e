"""Reading an organiser's race file (docs/commands.md, import_race): every problem named by its JSON path.

Values are checked against what the database can hold, so a file is either refused with a
message or stored whole: never a traceback half-way through.
"""

import itertools
import math
import re
from collections import Counter
from collections.abc import Mapping
from datetime import date, time
from decimal import Decimal, InvalidOperation
from zoneinfo import available_timezones

from django.utils.translation import gettext as _

from races.course import counts_as_handoff
from races.problems import InputProblems, Problem

SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+$")
CATEGORY_RULES = ("min_women", "min_men", "min_age", "max_age", "min_age_sum")
# `place` is an extension of the contract: optional, and left as it is when a file has none.
RACE_KEYS = {
    "slug",
    "name",
    "date",
    "timezone",
    "start_time",
    "kuriage_minutes",
    "place",
    "records",
    "stations",
    "categories",
}
MAX_PLACE = 200
STATION_KEYS = {"code", "name", "km", "handoff", "kuriage_minutes"}
CATEGORY_KEYS = {"code", "name", *CATEGORY_RULES}
MAX_KM = Decimal("9999.9999")  # the course column holds 8 digits, 4 after the point
MAX_CUTOFF_MINUTES = 24 * 60
RECORD_KEYS = {"time", "runner", "team", "year"}
LEG_RECORD_KEYS = {"leg", *RECORD_KEYS}
DURATION_RE = re.compile(r"(\d{1,2}):([0-5]\d):([0-5]\d)", re.ASCII)
RULE_LIMITS = {"min_women": 100, "min_men": 100, "min_age": 150, "max_age": 150, "min_age_sum": 10_000}


class Checker:
    """Collects the problems of one file; each check returns a usable value or None."""

    def __init__(self):
        self.problems: list[Problem] = []

    def bad(self, where: str, message: str) -> None:
        self.problems.append(Problem(message, field=where))

    def unknown_keys(self, item: Mapping, known: set[str], where: str) -> None:
        for key in item:
            if key not in known:
                self.bad(
                    f"{where}{key}",
                    _("unknown field; the fields here are %s.") % ", ".join(sorted(known)),
                )

    def text(self, value: object, where: str, limit: int, example: str = "") -> str:
        if not isinstance(value, str) or not value.strip():
            self.bad(where, _("required, as text%s.") % (f" ({example})" if example else ""))
            return ""
        value = value.strip()
        if len(value) > limit:
            self.bad(where, _("longer than %d characters.") % limit)
        elif "\x00" in value:
            self.bad(where, _("contains a NUL character; retype the value."))
        return value

    def whole(self, value: object, where: str, limit: int, unit: str = "") -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
            self.bad(
                where,
                _("%(value)r must be a whole number%(unit)s from 0 to %(limit)d, or null for none.")
                % {"value": value, "unit": f" {unit}" if unit else "", "limit": limit},
            )
            return None
        return value


def parse_race_payload(payload: object) -> tuple[dict, list[dict], list[dict]]:
    """A race JSON document as (race fields, stations, categories), or InputProblems."""
    if not isinstance(payload, Mapping):
        raise InputProblems([_("the race file must be a JSON object with slug, name, date, ...")])
    check = Checker()
    check.unknown_keys(payload, RACE_KEYS, "")
    fields = {
        "slug": check.text(payload.get("slug"), "slug", 50, "aleps-2025"),
        "name": check.text(payload.get("name"), "name", 200),
        "timezone": check.text(payload.get("timezone"), "timezone", 64, "Asia/Kuala_Lumpur"),
        "kuriage_minutes": check.whole(
            payload.get("kuriage_minutes"), "kuriage_minutes", MAX_CUTOFF_MINUTES, _("of minutes")
        ),
    }
    if "place" in payload:
        fields["place"] = _place(check, payload["place"])
    if fields["slug"] and not SLUG_RE.match(fields["slug"]):
        check.bad("slug", _("%r may only hold letters, digits, '-' and '_'.") % fields["slug"])
    if fields["timezone"] and (
        fields["timezone"] not in available_timezones() or fields["timezone"] == "localtime"
    ):
        check.bad(
            "timezone",
            _("%r is not a time zone name; use one such as Asia/Kuala_Lumpur.") % fields["timezone"],
        )
    fields["date"] = _date(check, payload.get("date"))
    fields["start_time"] = _start_time(check, payload.get("start_time"))
    stations = _stations(check, payload.get("stations"))
    legs = max(0, sum(1 for s in stations if s["handoff"]) - 1)
    categories = _categories(check, payload.get("categories"), legs)
    if "records" in payload:
        fields["records"] = _records(check, payload["records"], legs)
    if check.problems:
        raise InputProblems(check.problems)
    return fields, stations, categories


def _place(check: Checker, value: object) -> str:
    """Where the race is run, for the race list ("Putrajaya, Malaysia"); empty or null: none."""
    if value is None or value == "":
        return ""
    return check.text(value, "place", MAX_PLACE, "Putrajaya, Malaysia")


def _date(check: Checker, value: object) -> date | None:
    text = check.text(value, "date", 10, "YYYY-MM-DD")
    if not text:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text, re.ASCII):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        check.bad("date", _("%r is not a date; write it as YYYY-MM-DD.") % text)
        return None


def _start_time(check: Checker, value: object) -> time | None:
    text = check.text(value, "start_time", 15, "HH:MM:SS")
    if not text:
        return None
    try:
        if not re.fullmatch(r"\d{2}:\d{2}(:\d{2})?", text, re.ASCII):
            raise ValueError
        return time.fromisoformat(text)
    except ValueError:
        check.bad(
            "start_time",
            _("%r is not a local time of day; write it as HH:MM:SS (the zone is in timezone).") % text,
        )
        return None


def _km(check: Checker, value: object, where: str) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        check.bad(where, _("%r must be a number of kilometres.") % (value,))
        return None
    try:
        km = Decimal(str(value)).quantize(Decimal("0.0001"))
    except InvalidOperation:
        km = None
    if km is None or not 0 <= km <= MAX_KM:
        check.bad(
            where, _("%(value)r must be a distance from 0 to %(max)s km.") % {"value": value, "max": MAX_KM}
        )
        return None
    return km


def _stations(check: Checker, raw: object) -> list[dict]:
    if not isinstance(raw, list) or len(raw) < 2:
        check.bad("stations", _("a list of at least two stations (the start and the finish) is required."))
        return []
    stations: list[dict] = []
    for i, item in enumerate(raw):
        where = f"stations[{i}]"
        if not isinstance(item, Mapping):
            check.bad(where, _("each station is an object with code, name and km."))
            continue
        check.unknown_keys(item, STATION_KEYS, f"{where}.")
        handoff = item.get("handoff", True)
        if not isinstance(handoff, bool):
            check.bad(f"{where}.handoff", _("must be true or false."))
        stations.append(
            {
                "code": check.text(item.get("code"), f"{where}.code", 20, "R1, FINISH"),
                "name": check.text(item.get("name"), f"{where}.name", 100),
                "km": _km(check, item.get("km"), f"{where}.km"),
                "handoff": counts_as_handoff(i, len(raw), handoff is not False),
                "kuriage_minutes": check.whole(
                    item.get("kuriage_minutes"),
                    f"{where}.kuriage_minutes",
                    MAX_CUTOFF_MINUTES,
                    _("of minutes"),
                ),
            }
        )
    for code, n in Counter(s["code"] for s in stations if s["code"]).items():
        if n > 1:
            check.bad(
                "stations",
                _("code %(code)s is used %(n)d times; each station needs its own code.")
                % {"code": code, "n": n},
            )
    for before, after in itertools.pairwise(stations):
        if before["km"] is not None and after["km"] is not None and after["km"] <= before["km"]:
            check.bad(
                "stations",
                _(
                    "%(after)s at %(akm)s km must be further than %(before)s at %(bkm)s km; list stations in course order."
                )
                % {"after": after["code"], "akm": after["km"], "before": before["code"], "bkm": before["km"]},
            )
    return stations


def _categories(check: Checker, raw: object, legs: int) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        check.bad("categories", _("a list of at least one category is required."))
        return []
    categories: list[dict] = []
    for i, item in enumerate(raw):
        where = f"categories[{i}]"
        if not isinstance(item, Mapping):
            check.bad(where, _("each category is an object with code and name."))
            continue
        check.unknown_keys(item, CATEGORY_KEYS, f"{where}.")
        category = {
            "code": check.text(item.get("code"), f"{where}.code", 20, "MXS"),
            "name": check.text(item.get("name"), f"{where}.name", 100),
        }
        for rule in CATEGORY_RULES:
            category[rule] = check.whole(item.get(rule), f"{where}.{rule}", RULE_LIMITS[rule])
        if (
            category["min_age"] is not None
            and category["max_age"] is not None
            and category["min_age"] > category["max_age"]
        ):
            check.bad(where, _("min_age is above max_age, so no runner could be eligible."))
        counted = (category["min_women"] or 0) + (category["min_men"] or 0)
        if legs and counted > legs:
            check.bad(
                where,
                _("min_women + min_men = %(n)d, but a team has only %(legs)d runners.")
                % {"n": counted, "legs": legs},
            )
        categories.append(category)
    for code, n in Counter(c["code"] for c in categories if c["code"]).items():
        if n > 1:
            check.bad("categories", _("code %(code)s is used %(n)d times.") % {"code": code, "n": n})
    return categories


def _records(check: Checker, raw: object, legs: int) -> dict:
    """The course's and the legs' records (optional), kept with times in milliseconds:
    `{"course": {...}, "legs": [{"leg": 1, ...}]}`; null or {} clears them."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        check.bad("records", _('an object with "course" and/or "legs", or null for none.'))
        return {}
    check.unknown_keys(raw, {"course", "legs"}, "records.")
    records: dict = {}
    if raw.get("course") is not None:
        course = _record(check, raw["course"], "records.course", RECORD_KEYS)
        if course is not None:
            records["course"] = course
    raw_legs = raw.get("legs")
    if raw_legs is None:
        return records
    if not isinstance(raw_legs, list):
        check.bad("records.legs", _('a list of leg records, e.g. [{"leg": 1, "time": "0:15:02", ...}].'))
        return records
    leg_records = []
    for i, item in enumerate(raw_legs):
        where = f"records.legs[{i}]"
        record = _record(check, item, where, LEG_RECORD_KEYS)
        if record is None:
            continue
        number = item.get("leg")
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= max(legs, 1):
            check.bad(
                f"{where}.leg",
                _("%(value)r is not a leg of this course: a leg number from 1 to %(legs)d.")
                % {"value": number, "legs": legs},
            )
            continue
        if any(r["leg"] == number for r in leg_records):
            check.bad(f"{where}.leg", _("leg %d has a record already; give each leg one.") % number)
            continue
        leg_records.append({"leg": number, **record})
    if leg_records:
        records["legs"] = sorted(leg_records, key=lambda r: r["leg"])
    return records


def _record(check: Checker, item: object, where: str, keys: set[str]) -> dict | None:
    if not isinstance(item, Mapping):
        check.bad(
            where, _('a record is an object: {"time": "H:MM:SS", "runner": ..., "team": ..., "year": ...}.')
        )
        return None
    check.unknown_keys(item, keys, f"{where}.")
    time_ms = _duration_ms(check, item.get("time"), f"{where}.time")
    record: dict = {"time_ms": time_ms}
    for name in ("runner", "team"):
        value = item.get(name)
        if value not in (None, ""):
            record[name] = check.text(value, f"{where}.{name}", 200)
    year = item.get("year")
    if year is not None:
        if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2999:
            check.bad(f"{where}.year", _("%r is not a year; write it as a number, e.g. 2019.") % (year,))
        else:
            record["year"] = year
    return record if time_ms is not None else None


def _duration_ms(check: Checker, value: object, where: str) -> int | None:
    text = check.text(value, where, 10, "H:MM:SS")
    if not text:
        return None
    match = DURATION_RE.fullmatch(text)
    if match is None or text == "0:00:00":
        check.bad(where, _("%r is not a time; write it as H:MM:SS, e.g. 0:15:02.") % text)
        return None
    hours, minutes, seconds = (int(part) for part in match.groups())
    return (hours * 3600 + minutes * 60 + seconds) * 1000
