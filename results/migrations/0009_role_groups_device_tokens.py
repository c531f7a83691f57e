from django.db import migrations

from races.roles import migrate_role_groups


class Migration(migrations.Migration):
    """The Organiser group hands out device tokens; the results desk sees them."""

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("races", "0008_certificate_logo_and_signature"),
        ("results", "0008_merge_device_tokens_and_print_jobs"),
    ]

    operations = [migrations.RunPython(migrate_role_groups, migrations.RunPython.noop)]
