import io

from django.utils.translation import gettext as _

from races.command_line import ContractCommand
from results.archive.reading import read_archive
from results.archive.restoring import race_archive_restore


class Command(ContractCommand):
    help = _(
        "Create a race from an archive made by export_race_archive, exactly as it was exported; "
        "refused if the race's slug exists here. Users are found by username, never created."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("a race archive (.zip)"))

    def handle(self, *args, file, **options):
        contents = read_archive(io.BytesIO(self.read_file(file)), file)
        restored = race_archive_restore(contents)
        counts = restored.counts
        self.stdout.write(
            _(
                "imported race %(slug)s: %(teams)d teams, %(runners)d runners, %(records)d timing records, "
                "%(unmatched)d unknown-bib reads, %(audit)d audit entries, %(officials)d officials."
            )
            % {
                "slug": restored.race.slug,
                "teams": counts["teams"],
                "runners": counts["runners"],
                "records": counts["timing_records"],
                "unmatched": counts["unmatched_reads"],
                "audit": counts["audit_trail"],
                "officials": counts["officials"] - len(restored.officials_left_out),
            }
        )
        if restored.users_missing:
            self.stdout.write(
                _(
                    "note: no user here is named %(names)s; their links are left empty (the audit trail "
                    "keeps the names)."
                )
                % {"names": ", ".join(restored.users_missing)}
            )
        if restored.officials_left_out:
            self.stdout.write(
                _("note: not restored as officials, as they are not users here: %(names)s.")
                % {"names": ", ".join(restored.officials_left_out)}
            )
