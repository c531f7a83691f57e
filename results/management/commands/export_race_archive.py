import os
import tempfile
from pathlib import Path

from django.utils.translation import gettext as _

from races.command_line import ContractCommand
from results.archive.exporting import race_archive_write
from results.management.output_file import check_writable


class Command(ContractCommand):
    help = _(
        "Write everything of one race to a zip: set-up, teams and runners, every timing record "
        "(voided ones too), unknown-bib reads, the audit trail and the race officials; "
        "import_race_archive restores it. It holds personal data (birth dates, chip ids, the "
        "officials' reasons): keep it private, as the database itself. Device tokens are not in it."
    )

    def add_arguments(self, parser):
        parser.add_argument("race_slug")
        parser.add_argument("--output", required=True, help=_("the zip file to write"))

    def handle(self, *args, race_slug, output, **options):
        race = self.race(race_slug)
        check_writable(output)
        target = Path(output)
        # Written beside the target and renamed into place: a failed export leaves no half archive
        # where a script expects a whole one.
        handle, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
        try:
            with os.fdopen(handle, "wb") as file:
                manifest = race_archive_write(race, file)
            os.replace(partial, target)
        finally:
            if os.path.exists(partial):
                os.unlink(partial)
        counts = manifest["counts"]
        self.stdout.write(
            _(
                "wrote %(path)s: race %(slug)s, %(teams)d teams, %(runners)d runners, %(records)d timing "
                "records, %(unmatched)d unknown-bib reads, %(audit)d audit entries. It holds personal "
                "data: keep it private."
            )
            % {
                "path": output,
                "slug": race.slug,
                "teams": counts["teams"],
                "runners": counts["runners"],
                "records": counts["timing_records"],
                "unmatched": counts["unmatched_reads"],
                "audit": counts["audit_trail"],
            }
        )
