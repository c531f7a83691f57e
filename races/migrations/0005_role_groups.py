from django.db import migrations

from races.roles import migrate_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("races", "0004_registration_deadline_public_note_permissions"),
        ("results", "0004_void_permission"),
    ]

    operations = [migrations.RunPython(migrate_role_groups, migrations.RunPython.noop)]
