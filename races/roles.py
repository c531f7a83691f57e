"""The two roles an organiser hands out in the admin, as Django groups.

An organiser should not need to know Django's permission names to let a helper fix splits:
they add the helper to "Results desk". The groups are made by migrations (0005_role_groups,
then 0007 when the race officials arrived) from the lists below, and made again, adding what
a later release needs, by `python manage.py create_role_groups`.
"""

from django.utils.translation import gettext_lazy as _

ORGANISER = "Organiser"
RESULTS_DESK = "Results desk"

ROLE_DESCRIPTIONS = {
    ORGANISER: _(
        "Everything of a race: set-up, entries, race officials, timing, corrections, statuses, closing."
    ),
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
        # Who works the race on race day: the race form's officials, found by user name.
        *(("races", f"{action}_raceofficial") for action in ("add", "change", "delete", "view")),
        ("auth", "view_user"),
        ("races", "view_auditentry"),
        ("races", "close_race"),
        ("races", "import_entries"),
        ("races", "set_team_status"),
        ("results", "view_timingrecord"),
        ("results", "add_timingrecord"),
        ("results", "void_timingrecord"),
        # The tablets and chip readers of the race: tokens made, listed and revoked.
        *(("results", f"{action}_devicetoken") for action in ("add", "view", "revoke")),
    ],
    RESULTS_DESK: [
        *(("races", f"view_{model}") for model in SET_UP_MODELS),
        ("races", "view_auditentry"),
        ("races", "set_team_status"),
        ("results", "view_timingrecord"),
        ("results", "add_timingrecord"),
        ("results", "void_timingrecord"),
        ("results", "view_devicetoken"),
    ],
}


def roles_with(permission: str) -> list[str]:
    """The roles that hold a permission ("app_label.codename"), to tell a refused person whom to ask."""
    app_label, codename = permission.split(".", 1)
    return [name for name, granted in ROLE_PERMISSIONS.items() if (app_label, codename) in granted]


def ensure_role_groups(group_model, permission_model, content_type_model=None) -> None:
    """Create the groups, or give them what they lack; works on the historical models too.

    In a migration, pass the historical ContentType: a permission of a model that a later
    migration creates is left for that migration to give (it runs this again). Without it every
    permission must exist, so a misspelt one fails loudly.
    """
    for name, wanted in ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=name)
        for app_label, codename in wanted:
            if content_type_model is not None and not _model_exists_yet(
                content_type_model, app_label, codename
            ):
                continue
            permission = permission_model.objects.get(content_type__app_label=app_label, codename=codename)
            group.permissions.add(permission)


def _model_exists_yet(content_type_model, app_label: str, codename: str) -> bool:
    action, _sep, model = codename.partition("_")
    if action not in ("add", "change", "delete", "view"):
        return True  # a custom permission: its model is older than the roles
    return content_type_model.objects.filter(app_label=app_label, model=model).exists()


def migrate_role_groups(apps, schema_editor) -> None:
    """A migration's step: the permissions of the models migrated so far, then the groups."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    ensure_role_groups(
        apps.get_model("auth", "Group"),
        apps.get_model("auth", "Permission"),
        apps.get_model("contenttypes", "ContentType"),
    )
