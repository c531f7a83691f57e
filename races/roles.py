"""The two roles an organiser hands out in the admin, as Django groups.

An organiser should not need to know Django's permission names to let a helper fix splits:
they add the helper to "Results desk". The groups are made by a migration
(races/migrations/0005_role_groups.py) from the lists below, and made again, adding what a
later release needs, by `python manage.py create_role_groups`.
"""

from django.utils.translation import gettext_lazy as _

ORGANISER = "Organiser"
RESULTS_DESK = "Results desk"

ROLE_DESCRIPTIONS = {
    ORGANISER: _("Everything of a race: set-up, entries, timing, corrections, statuses, closing."),
    RESULTS_DESK: _("Timing and corrections: upload chip files, void and restore splits, set statuses."),
}

SET_UP_MODELS = ("race", "station", "category", "team", "runner")

# (app label, codename) for each role.
ROLE_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    ORGANISER: [
        *(
            ("races", f"{action}_{model}")
            for model in SET_UP_MODELS
            for action in ("add", "change", "delete", "view")
        ),
        ("races", "view_auditentry"),
        ("races", "close_race"),
        ("races", "import_entries"),
        ("races", "set_team_status"),
        ("results", "view_timingrecord"),
        ("results", "add_timingrecord"),
        ("results", "void_timingrecord"),
    ],
    RESULTS_DESK: [
        *(("races", f"view_{model}") for model in SET_UP_MODELS),
        ("races", "view_auditentry"),
        ("races", "set_team_status"),
        ("results", "view_timingrecord"),
        ("results", "add_timingrecord"),
        ("results", "void_timingrecord"),
    ],
}


def roles_with(permission: str) -> list[str]:
    """The roles that hold a permission ("app_label.codename"), to tell a refused person whom to ask."""
    app_label, codename = permission.split(".", 1)
    return [name for name, granted in ROLE_PERMISSIONS.items() if (app_label, codename) in granted]


def ensure_role_groups(group_model, permission_model) -> None:
    """Create the groups, or give them what they lack; works on the historical models too."""
    for name, wanted in ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=name)
        for app_label, codename in wanted:
            permission = permission_model.objects.get(content_type__app_label=app_label, codename=codename)
            group.permissions.add(permission)
