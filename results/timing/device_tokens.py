"""Device tokens: made for a race and some of its stations, shown once, revoked, checked.

The admin and `create_device_token` make and revoke them here; the device API checks them here.
"""

from collections.abc import Iterable
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ekiden import plain_sql
from ekiden.memo import Memo
from races.audit import SOMEONE_AT_THE_COMMAND_LINE, Actor, DeviceTokenDetails, DeviceTokenShown, audit
from races.models import AuditEntry, Race, Station
from races.problems import InputProblems, Problem
from results.timing.models import DeviceToken, token_digest

NAME_MAX_LENGTH = DeviceToken._meta.get_field("name").max_length

TOKEN_FIELDS = [field.name for field in DeviceToken._meta.concrete_fields]
RACE_FIELDS = [field.name for field in Race._meta.concrete_fields]
TOKEN_SQL = "SELECT {token_columns}, {race_columns} FROM {tokens} t JOIN {races} r ON r.id = t.race_id WHERE t.token_hash = %s".format(
    token_columns=plain_sql.columns(DeviceToken, TOKEN_FIELDS, "t"),
    race_columns=plain_sql.columns(Race, RACE_FIELDS, "r"),
    tokens=DeviceToken._meta.db_table,
    races=Race._meta.db_table,
)

# "Last used" tells an official which tablet went quiet; to the minute is enough, and saves
# a write on every request of a busy device.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def device_token_problems(*, race: Race, name: str, stations: Iterable[Station]) -> list[Problem]:
    """What is wrong with a token about to be made: the admin form and the command ask here."""
    problems = []
    if not name.strip():
        problems.append(Problem(_("say which device this is, e.g. 'R1 tablet'."), field="name"))
    elif len(name.strip()) > NAME_MAX_LENGTH:
        problems.append(Problem(_("longer than %d characters.") % NAME_MAX_LENGTH, field="name"))
    stations = list(stations)
    if not stations:
        problems.append(
            Problem(_("give at least one station the device may send splits for."), field="stations")
        )
    for station in stations:
        if station.race_id != race.pk:
            problems.append(
                Problem(
                    _("%(code)s is a station of another race, not of %(race)s.")
                    % {"code": station.code, "race": race.slug},
                    field="stations",
                )
            )
    return problems


def stations_by_code(race: Race, codes: Iterable[str]) -> list[Station]:
    """The race's stations with these codes, in course order; an unknown code is a problem."""
    course = {station.code: station for station in race.course}
    unknown = [code for code in codes if code not in course]
    if unknown:
        raise InputProblems(
            _("station %(code)r is not a station of %(race)s; use one of %(codes)s.")
            % {"code": code, "race": race.slug, "codes": ", ".join(course)}
            for code in unknown
        )
    wanted = set(codes)
    return [station for station in course.values() if station.code in wanted]


@transaction.atomic
def device_token_create(
    *, race: Race, name: str, stations: Iterable[Station], actor: Actor = SOMEONE_AT_THE_COMMAND_LINE
) -> tuple[DeviceToken, str]:
    """A new token for a device; returns it and its plain value, which is never stored.

    The race's audit trail says who gave a device the right to write its timing records.
    """
    stations = sorted(stations, key=lambda station: station.position)
    problems = device_token_problems(race=race, name=name, stations=stations)
    if problems:
        raise InputProblems(problems)
    token = DeviceToken(race=race, name=name.strip(), created_by=actor.user)
    plain = token.issue()
    token.save()
    token.stations.set(stations)
    audit(
        race=race,
        action=AuditEntry.Action.DEVICE_TOKEN_CREATED,
        actor=actor,
        details=_audit_details(token, stations),
    )
    return token, plain


@transaction.atomic
def device_tokens_revoke(*, tokens: QuerySet[DeviceToken], actor: Actor = SOMEONE_AT_THE_COMMAND_LINE) -> int:
    """Revoke the tokens still live; the device's next request is refused. Returns how many.

    Each revocation is one entry in its race's audit trail; a token already revoked keeps
    its first revocation and adds no entry.
    """
    # Locked, so two officials revoking the same token at once audit it once.
    live = list(
        DeviceToken.objects.select_for_update()
        .filter(pk__in=tokens.values("pk"), revoked_at__isnull=True)
        .order_by("pk")
        .prefetch_related("stations")
    )
    if not live:
        return 0
    DeviceToken.objects.filter(pk__in=[token.pk for token in live]).update(
        revoked_at=timezone.now(), revoked_by=actor.user
    )
    races = Race.objects.in_bulk({token.race_id for token in live})
    for token in live:
        audit(
            race=races[token.race_id],
            action=AuditEntry.Action.DEVICE_TOKEN_REVOKED,
            actor=actor,
            details=_audit_details(token, token.stations.all()),
        )
    return len(live)


def _audit_details(token: DeviceToken, stations: Iterable[Station]) -> DeviceTokenDetails:
    # The prefix tells tokens apart; the token and its hash never go into the trail.
    codes = tuple(station.code for station in sorted(stations, key=lambda station: station.position))
    return DeviceTokenDetails(
        device_token=DeviceTokenShown(name=token.name, prefix=token.prefix, stations=codes)
    )


def device_token_find(plain: str) -> DeviceToken | None:
    """The token with this plain value, revoked or not; None if there is none.

    Looked up by its hash: the hash of a random token gives nothing away to a timing attack.
    """
    # Plain SQL: every post of every device starts here, and building the ORM's query (the
    # race joined) cost more than twice what running it does.
    with connection.cursor() as cursor:
        cursor.execute(TOKEN_SQL, [token_digest(plain)])
        row = cursor.fetchone()
    if row is None:
        return None
    token = plain_sql.instance(DeviceToken, TOKEN_FIELDS, row[: len(TOKEN_FIELDS)])
    token.race = plain_sql.instance(Race, RACE_FIELDS, row[len(TOKEN_FIELDS) :])
    if not token.is_revoked:
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            DeviceToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
    return token


# A token's stations are set when it is made and never changed (a device that moves gets a
# new token), so each process remembers them, by the token's hash: a row id can come back
# after a deletion, a random secret does not. Revocation is read from the token every time.
REMEMBERED_TOKENS = 1000
_station_codes = Memo("device tokens' stations", size=REMEMBERED_TOKENS)


def device_token_station_codes(token: DeviceToken) -> frozenset[str]:
    codes = _station_codes.get(token.token_hash)
    if codes is None:
        codes = _station_codes.remember(
            token.token_hash, frozenset(token.stations.values_list("code", flat=True))
        )
    return codes
