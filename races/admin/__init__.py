"""The organisers' first screen: set up the race, import the entries, fix a team by hand.

The admin holds no rules of its own. A team saved here is checked by the same eligibility
service as the entries file and the registration form; a status goes through the audited
service; the course of a race that already has teams or splits is changed with `import_race`,
which knows what a change would break.
"""

from races.admin import audit, common, race, teams  # noqa: F401  (registers the model admins)
