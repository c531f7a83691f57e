"""Who follows which team, and which station passes were announced.

A follower is personal data with no account behind it, so a subscription keeps only what sending
needs: where to send (a push endpoint and its keys, or a confirmed e-mail address), the team, the
language and when it was made. Deleting a team deletes its followers.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from races.models import Station, Team


class PushSubscription(models.Model):
    """A browser's Web Push subscription to one team's passes (as the browser's PushManager gave it)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="push_followers")
    # The push service's address for this browser: a capability URL, never shown anywhere.
    endpoint = models.URLField(_("push endpoint"), max_length=1000)
    p256dh = models.CharField(_("browser's public key"), max_length=120)
    auth = models.CharField(_("browser's auth secret"), max_length=40)
    language = models.CharField(_("language"), max_length=10)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("push follower")
        verbose_name_plural = _("push followers")
        constraints = [
            models.UniqueConstraint(fields=["team", "endpoint"], name="following_push_once_per_team"),
        ]

    def __str__(self) -> str:
        return f"push follower {self.pk} of team {self.team_id}"


class EmailSubscription(models.Model):
    """An e-mail address following one team; stored only once its owner confirmed it."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="email_followers")
    email = models.EmailField(_("e-mail address"))
    language = models.CharField(_("language"), max_length=10)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("e-mail follower")
        verbose_name_plural = _("e-mail followers")
        constraints = [
            models.UniqueConstraint(fields=["team", "email"], name="following_email_once_per_team"),
        ]

    def __str__(self) -> str:
        return f"e-mail follower {self.pk} of team {self.team_id}"


class AnnouncedPass(models.Model):
    """A team's pass of a station was announced to its followers: once, however many reads,
    workers or corrections follow. Holds nothing of any follower."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="+")
    announced_at = models.DateTimeField(_("announced"), default=timezone.now)

    class Meta:
        verbose_name = _("announced pass")
        verbose_name_plural = _("announced passes")
        constraints = [
            models.UniqueConstraint(fields=["team", "station"], name="following_pass_announced_once"),
        ]

    def __str__(self) -> str:
        return f"team {self.team_id} announced at station {self.station_id}"
