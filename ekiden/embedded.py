"""The embedded mode's folder, made when the site starts rather than when its settings are read.

Without DATABASE_URL the database is an SQLite file in TASUKI_VAR_DIR (var/ by default), and
SQLite does not create the folder of the file it opens. Reading the settings creates nothing
(a linter, a test or a PostgreSQL site would get a var/ it never uses), so the folder is made
here, as Django starts with such a database (races/apps.py), before the first connection.
"""

from pathlib import Path

from django.conf import settings

SQLITE = "django.db.backends.sqlite3"


def database_folders_create() -> None:
    """The folder of each SQLite database file, made if missing."""
    for database in settings.DATABASES.values():
        name = str(database.get("NAME") or "")
        # ":memory:" and "file:...?mode=memory" URIs (the test databases) live in no folder.
        if database.get("ENGINE") == SQLITE and name and name != ":memory:" and not name.startswith("file:"):
            Path(name).parent.mkdir(parents=True, exist_ok=True)
