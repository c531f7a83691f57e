"""The results app's models, for Django's registry and the migrations: each lives with its capability
(timing records, unknown reads and device tokens in results.timing, print jobs in results.publishing,
followers in results.following). Code imports them from there."""

from results.following.models import AnnouncedPass, EmailSubscription, PushSubscription
from results.publishing.models import PrintJob, prints_storage
from results.timing.models import DeviceToken, Source, TimingRecord, UnmatchedRead, token_digest

__all__ = [
    "AnnouncedPass",
    "DeviceToken",
    "EmailSubscription",
    "PrintJob",
    "PushSubscription",
    "Source",
    "TimingRecord",
    "UnmatchedRead",
    "prints_storage",
    "token_digest",
]
