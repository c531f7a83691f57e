"""Model instances from rows of plain SQL, for the few statements that run on every request
of a busy device or a polled page, where building the ORM's query cost more than running it.
"""

from datetime import UTC

from django.db import DEFAULT_DB_ALIAS, connection, models
from django.utils import timezone


def columns(model: type[models.Model], names: list[str], alias: str) -> str:
    """`alias.column, ...` of these fields, to SELECT them in this order."""
    return ", ".join(f"{alias}.{model._meta.get_field(name).column}" for name in names)


def instance(model: type[models.Model], names: list[str], values: list | tuple) -> models.Model:
    """The instance these values of these fields make, as the ORM would load it.

    The fields not named are deferred, as with `only()`: a later `save()` writes only the fields
    loaded, so it cannot overwrite the others with blanks.
    """
    by_attname = {
        field.attname: stored_moment(value) if isinstance(field, models.DateTimeField) else value
        for field, value in zip((model._meta.get_field(name) for name in names), values, strict=True)
    }
    # from_db() takes the values in the model's order of fields, whatever order they came in.
    loaded = [field.attname for field in model._meta.concrete_fields if field.attname in by_attname]
    return model.from_db(DEFAULT_DB_ALIAS, loaded, [by_attname[attname] for attname in loaded])


def stored_moment(value):
    """A date and time as read by plain SQL: SQLite keeps UTC without the zone."""
    if value is not None and connection.vendor == "sqlite" and timezone.is_naive(value):
        return value.replace(tzinfo=UTC)
    return value


#: Parameters per INSERT: well under either database's limit (SQLite's is 32,766).
INSERT_PARAMETERS = 10_000


def insert_as_given(model: type[models.Model], instances: list[models.Model]) -> None:
    """Insert the instances with every value as it is set, and give each its new id.

    `bulk_create` would set the `auto_now` and `auto_now_add` times to now; a backup restored
    must keep when each row was made. The ids come back in the order of the rows, as
    `bulk_create` has them on PostgreSQL and SQLite.
    """
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    pk = model._meta.pk
    per_insert = max(1, INSERT_PARAMETERS // len(fields))
    row_marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for start in range(0, len(instances), per_insert):
            chunk = instances[start : start + per_insert]
            sql = "INSERT INTO {table} ({columns}) VALUES {rows} RETURNING {pk}".format(
                table=quote(model._meta.db_table),
                columns=", ".join(quote(field.column) for field in fields),
                rows=", ".join([row_marks] * len(chunk)),
                pk=quote(pk.column),
            )
            params = [
                field.get_db_prep_save(getattr(instance, field.attname), connection)
                for instance in chunk
                for field in fields
            ]
            cursor.execute(sql, params)
            for instance, (new_id,) in zip(chunk, cursor.fetchall(), strict=True):
                instance.pk = new_id
                instance._state.adding, instance._state.db = False, DEFAULT_DB_ALIAS
