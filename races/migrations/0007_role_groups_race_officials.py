from django.db import migrations

from races.roles import migrate_role_groups


class Migration(migrations.Migration):
    """The Organiser group gets the race officials, which arrived after the groups were made."""

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("races", "0006_race_officials"),
    ]

    operations = [migrations.RunPython(migrate_role_groups, migrations.RunPython.noop)]
