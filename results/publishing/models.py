"""Print jobs: the results book and certificates asked for, made on a worker, kept for download."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from races.models import Category, Race


def prints_storage():
    from django.core.files.storage import storages

    return storages["prints"]


class PrintJob(models.Model):
    """A PDF (or a ZIP of PDFs) asked for on the print page or by closing the race.

    A worker makes the file; the job records how far it got, so the organisers' page can show a
    progress bar, and keeps the file for download. One job of a kind runs at a time per race
    and category: asking again while it runs returns it (results.publishing.print_jobs).
    """

    class Kind(models.TextChoices):
        BOOK = "book", _("Results book")
        CERTIFICATES = "certificates", _("Runners' certificates")
        TEAM_CERTIFICATES = "team_certificates", _("Team certificates")
        CERTIFICATES_ZIP = "certificates_zip", _("Certificates, one file per team (ZIP)")

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Being made")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    race = models.ForeignKey(Race, on_delete=models.CASCADE, related_name="print_jobs")
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
        help_text=_("Certificates of this category only; empty = the whole race."),
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), storage=prints_storage, max_length=300, blank=True)
    message = models.CharField(
        _("message"), max_length=500, blank=True, help_text=_("Why it failed, or why there is no file.")
    )
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(
        _("attempts"), default=0, help_text=_("Times a worker started it: more than one after a lost worker.")
    )
    standings_version = models.PositiveBigIntegerField(_("standings version"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("asked for"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last news"), auto_now=True)
    finished_at = models.DateTimeField(_("made"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("print job")
        verbose_name_plural = _("print jobs")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="print_job_progress_at_most_100"),
        ]

    def __str__(self) -> str:
        what = self.get_kind_display()
        return f"{what} ({self.category.code})" if self.category_id else what

    @property
    def is_active(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def extension(self) -> str:
        return "zip" if self.kind == self.Kind.CERTIFICATES_ZIP else "pdf"

    def stored_name(self) -> str:
        """Where its file is kept: one name per job, so making it again replaces the file."""
        category = f"-{self.category.code}" if self.category_id else ""
        return f"prints/{self.race.slug}/{self.pk}-{self.kind}{category}.{self.extension}"

    def download_name(self) -> str:
        names = {
            self.Kind.BOOK: "results",
            self.Kind.CERTIFICATES: "certificates",
            self.Kind.TEAM_CERTIFICATES: "team-certificates",
            self.Kind.CERTIFICATES_ZIP: "certificates",
        }
        category = f"-{self.category.code}" if self.category_id else ""
        return f"{self.race.slug}-{names[self.kind]}{category}.{self.extension}"
