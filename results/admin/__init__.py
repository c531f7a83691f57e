"""The results app's admin: timing records and device tokens, and its actions on the race's page."""

from results.admin import race_actions, timing  # noqa: F401  (registers the admins and actions)
