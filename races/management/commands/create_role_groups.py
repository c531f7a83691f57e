from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from races.roles import ROLE_DESCRIPTIONS, ensure_role_groups


class Command(BaseCommand):
    help = _("Create the groups 'Organiser' and 'Results desk', or give them the rights they lack.")

    def handle(self, *args, **options):
        ensure_role_groups(Group, Permission)
        for name, description in ROLE_DESCRIPTIONS.items():
            self.stdout.write(f"{name}: {description}")
