from django.contrib.auth.management import create_permissions
from django.db import migrations

from races.roles import ensure_role_groups


def make_role_groups(apps, schema_editor):
    # Permissions are normally created after all migrations ran; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    ensure_role_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("races", "0004_registration_deadline_public_note_permissions"),
        ("results", "0004_void_permission"),
    ]

    operations = [migrations.RunPython(make_role_groups, migrations.RunPython.noop)]
