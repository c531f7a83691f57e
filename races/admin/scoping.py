"""Every admin page of a race's things shows and changes only the races the user is named on.

Django's permissions say what kind of thing a user may change; races/access.py says on which
races. A ModelAdmin or inline built on these classes lists only the rows of those races, opens,
changes and deletes only them, and offers only them in its drop-downs. A superuser sees all.
"""

from django.contrib import admin
from django.db.models import QuerySet

from races.access import may, races_where
from races.models import Race


def permission_name(opts, action: str) -> str:
    return f"{opts.app_label}.{action}_{opts.model_name}"


def race_of(obj) -> Race:
    return obj if isinstance(obj, Race) else obj.race


class RaceScoped:
    """What a race-scoped ModelAdmin and inline share: the races this user may use a right on."""

    def races_for(self, request, *permissions: str) -> QuerySet[Race]:
        return races_where(request.user, *permissions)

    def may_on(self, request, action: str, obj) -> bool:
        return may(request.user, permission_name(self.opts, action), race_of(obj))

    # Django's rights for the kind of thing, and the user's role on this object's race.
    def has_view_permission(self, request, obj=None):
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or self.may_on(request, "view", obj) or self.may_on(request, "change", obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or self.may_on(request, "change", obj)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or self.may_on(request, "delete", obj)
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", self._choices(db_field, request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", self._choices(db_field, request))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _choices(self, db_field, request) -> QuerySet:
        """A race, or a thing of a race, is offered only from the races this user may change."""
        model = db_field.related_model
        queryset = model._default_manager.all()
        if request.user.is_superuser:
            return queryset
        races = self.races_for(
            request, permission_name(self.opts, "add"), permission_name(self.opts, "change")
        )
        if model is Race:
            return queryset.filter(pk__in=races)
        if any(field.name == "race" for field in model._meta.get_fields()):
            return queryset.filter(race__in=races)
        return queryset


class RaceScopedAdmin(RaceScoped, admin.ModelAdmin):
    """A ModelAdmin of a model with a `race` (or of the races themselves)."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        races = self.races_for(
            request, permission_name(self.opts, "view"), permission_name(self.opts, "change")
        )
        return self.of_races(queryset, races)

    def get_list_filter(self, request):
        # The race filter lists only the races this user sees.
        return [
            ("race", admin.RelatedOnlyFieldListFilter) if name == "race" else name
            for name in super().get_list_filter(request)
        ]

    def of_races(self, queryset: QuerySet, races: QuerySet[Race]) -> QuerySet:
        return queryset.filter(pk__in=races) if self.model is Race else queryset.filter(race__in=races)

    def only_where(self, request, queryset: QuerySet, permission: str) -> tuple[QuerySet, int]:
        """The selected rows whose race allows `permission`, and how many were left out."""
        races = self.races_for(request, permission)
        allowed = self.of_races(queryset, races)
        return allowed, queryset.count() - allowed.count()


class RaceScopedInline(RaceScoped):
    """An inline on a race's (or a team's) page: its rights are those on the parent's race."""

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (obj is None or self.may_on(request, "add", obj))
