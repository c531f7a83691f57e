"""Settings for Tasuki, read from the environment.

With nothing set you get the embedded mode: an SQLite file, Celery tasks run eagerly
in-process and a local-memory cache, so `make run` needs no services. `DATABASE_URL` and
`REDIS_URL` switch to PostgreSQL, the Redis cache and a real Celery broker.

The project's own settings and environment variables are named `TASUKI_...`; the ecosystem's
keep their usual names (DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS, Django's
own setting names, CELERY_...). Importing this module reads; it creates no file or folder.
"""

import logging
import os
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from ekiden.vapid_keys import vapid_pair_problem

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

#: Environment names of earlier versions, by their new name: still read, with a warning.
RENAMED_ENVIRONMENT = {
    "TASUKI_DATABASE_BUSY_TIMEOUT": "DATABASE_BUSY_TIMEOUT",
    "TASUKI_DEVICE_READS_MAX_AHEAD_SECONDS": "DEVICE_READS_MAX_AHEAD_SECONDS",
    "TASUKI_STANDINGS_DEBOUNCE_SECONDS": "STANDINGS_DEBOUNCE_SECONDS",
    "TASUKI_CACHE_KEY_PREFIX": "CACHE_KEY_PREFIX",
    "TASUKI_LOG_LEVEL": "LOG_LEVEL",
}


def environment_name(name: str) -> str:
    """The variable to read for `name`: its old name when only that is set, said at start-up.

    Logged, not a DeprecationWarning: Python hides those outside __main__, and the one who
    must rename the variable is whoever runs the site.
    """
    old = RENAMED_ENVIRONMENT[name]
    if old not in os.environ:
        return name
    if name in os.environ:
        logging.getLogger(__name__).warning("%s is ignored: %s is set and wins. Remove %s.", old, name, old)
        return name
    logging.getLogger(__name__).warning(
        "%s is deprecated: rename it %s (read from %s for now).", old, name, old
    )
    return old


DEBUG = env.bool("DEBUG", default=True)

# A production site must never run on a key that is in the repository, nor answer for any host.
# Start-up then stops with this one line, no traceback (ekiden/startup.py).
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off, set SECRET_KEY in the environment "
            "to a long random string (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = "django-insecure-embedded-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS is not set. With DEBUG off, set ALLOWED_HOSTS in the environment to the "
            "site's host names, comma-separated (ALLOWED_HOSTS=results.example.org)."
        )
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# Full origins, scheme included (https://results.example.org), comma-separated: the forms of a
# site reached under another name than its host (a proxy's) need it.
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS, on by default once DEBUG is off. The keypad's service worker and the officials' logins
# need a secure origin; a session cookie sent over plain HTTP on a race-day Wi-Fi is a login lost.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# The proxy's or load balancer's health probe speaks plain HTTP to the site itself.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
# A year (what browsers' preload lists ask for); a first deployment may start with an hour
# (3600) and raise it once HTTPS is known to work. 0 sends no HSTS header.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
# Subdomains and the preload list bind every host of the domain for months: the operator's
# choice, off unless set (`check --deploy` says so as W005 and W021).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Behind a TLS proxy (nginx, Caddy) the site sees plain HTTP: trust the proxy's word on the
# scheme. Only behind a proxy that sets X-Forwarded-Proto itself, or any client could claim
# HTTPS.
TASUKI_BEHIND_PROXY = env.bool("TASUKI_BEHIND_PROXY", default=False)
if TASUKI_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The site's public address as printed on paper: a certificate's QR code opens the team's page
# there. Empty in production unless set: the certificates then print no QR code.
TASUKI_PUBLIC_URL = env.str("TASUKI_PUBLIC_URL", default="http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
if TASUKI_PUBLIC_URL and not TASUKI_PUBLIC_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        "TASUKI_PUBLIC_URL must be the site's address with its scheme, e.g. https://results.example.org."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tables2",
    "django_filters",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from this site: the docs work without a CDN
    "axes",  # counts failed logins (see TASUKI_LOGIN_FAILURE_LIMIT below)
    "races",
    "results",
]

MIDDLEWARE = [
    "ekiden.activity_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the request: a chunked body made readable, a NUL refused.
    "ekiden.request_input.RequestInputMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "ekiden.database_busy.DatabaseBusyMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the page that says until when.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ekiden.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "ekiden.wsgi.application"

# The embedded mode's files: the SQLite database and the uploads. The folder is made when the
# site starts with its database in it (ekiden/embedded.py), not when settings are read.
TASUKI_VAR_DIR = Path(env.str("TASUKI_VAR_DIR", default=str(BASE_DIR / "var")))

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{TASUKI_VAR_DIR / 'tasuki.sqlite3'}"),
}
# Race day writes come from several tablets and imports at once: a write waits this many
# seconds for another writer's lock, then fails with "the database is busy" and changes nothing.
TASUKI_DATABASE_BUSY_TIMEOUT = env.float(environment_name("TASUKI_DATABASE_BUSY_TIMEOUT"), default=20.0)
if TASUKI_DATABASE_BUSY_TIMEOUT < 0:
    raise ImproperlyConfigured("TASUKI_DATABASE_BUSY_TIMEOUT must be a number of seconds, 0 or more.")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": TASUKI_DATABASE_BUSY_TIMEOUT,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and TASUKI_DATABASE_BUSY_TIMEOUT:
    # Options given in DATABASE_URL win. Behind PgBouncer, which refuses start-up options, set
    # TASUKI_DATABASE_BUSY_TIMEOUT=0 and lock_timeout on the database role instead.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", f"-c lock_timeout={round(TASUKI_DATABASE_BUSY_TIMEOUT * 1000)}"
    )

# A connection per web worker kept between requests: opening one costs more than the small
# query a polled page needs (ekiden/page_cache.py) or a device post. 0 closes it after each
# request. Checked before it is used again.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "ekiden.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str(environment_name("TASUKI_CACHE_KEY_PREFIX"), default="tasuki"),
            # A Redis that stopped answering costs a request a second at most, once: the cache
            # then leaves it alone for TASUKI_REDIS_RETRY_SECONDS (ekiden/redis_cache.py).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 5},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # A lost Redis fails a call that waits on the result store (a print job's) within seconds,
    # not after Celery's 20 reconnection tries a second apart.
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": {"max_retries": 2}}
    CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tasuki",
        }
    }
    # A host named, or Celery 5.7's eager tasks (which take a producer for its serializer) make kombu
    # warn "No hostname was supplied" once per process.
    CELERY_BROKER_URL = "memory://localhost/"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True

CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# With the Redis broker, a task whose worker died unacknowledged goes to another worker after
# this many seconds. It must exceed the longest task (the PDFs' hard limit is 16 minutes), or a
# task still running would be started a second time.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # Workers look for such tasks when they start, then every this many seconds (kombu's own
    # default, 10 s × a throttle of 10, written as one number).
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_SECONDS", default=100),
    "unacked_restore_throttle": 1,
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="tasuki")

# django-axes refuses a login while its username and address are locked out; then Django's own.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's own permissions, then what each user's race roles give, for their races only.
    "django.contrib.auth.backends.ModelBackend",
    "races.access.RaceRightsBackend",
]

# A password guessed by a script: after this many failed logins for one username from one
# address (the officials' login and the admin alike), that pair is refused for the cool-off,
# which each further try starts again. A successful login clears the count.
TASUKI_LOGIN_FAILURE_LIMIT = env.int("TASUKI_LOGIN_FAILURE_LIMIT", default=5)
if TASUKI_LOGIN_FAILURE_LIMIT < 1:
    raise ImproperlyConfigured("TASUKI_LOGIN_FAILURE_LIMIT must be a number of failed logins, 1 or more.")
TASUKI_LOGIN_COOLOFF_MINUTES = env.float("TASUKI_LOGIN_COOLOFF_MINUTES", default=15.0)
if TASUKI_LOGIN_COOLOFF_MINUTES <= 0:
    raise ImproperlyConfigured("TASUKI_LOGIN_COOLOFF_MINUTES must be a positive number of minutes, e.g. 15.")
AXES_FAILURE_LIMIT = TASUKI_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=TASUKI_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The client's address as the registration limit reads it, behind TASUKI_TRUSTED_PROXIES.
AXES_CLIENT_IP_CALLABLE = "ekiden.login_lockout.login_address"
AXES_LOCKOUT_CALLABLE = "ekiden.login_lockout.lockout_response"

# Password reset e-mails. Embedded mode prints them on the console; in production set
# EMAIL_URL (e.g. smtp+tls://user:password@smtp.example.org:587) and DEFAULT_FROM_EMAIL.
EMAIL_URL = env.str("EMAIL_URL", default="")
vars().update(env.email_url_config(EMAIL_URL or "consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="tasuki@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ms", "Bahasa Melayu"), ("ja", "日本語")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploads (certificate logos) and the printed results; served to organisers through views.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(TASUKI_VAR_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # A print job writes its file under one name and replaces it when it is made again, so a
    # worker killed halfway and the one that redoes the job leave one file, not two.
    "prints": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"allow_overwrite": True},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Station officials are not admin staff: they log in on the officials' own page.
LOGIN_URL = "officials:login"
LOGIN_REDIRECT_URL = "officials:index"

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
}
# A device read later than the server's clock plus this is refused: a tablet set to the wrong
# day or time zone must not put a team at the finish before it got there.
TASUKI_DEVICE_READS_MAX_AHEAD_SECONDS = env.int(
    environment_name("TASUKI_DEVICE_READS_MAX_AHEAD_SECONDS"), default=300
)

SPECTACULAR_SETTINGS = {
    "TITLE": "Tasuki API",
    "DESCRIPTION": "Ekiden timing: device splits in, standings out.",
    "VERSION": "1",
    # The API browser's scripts and styles come from the installed package, not a CDN: the
    # docs load on a race-day network that reaches only this server.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # A race's slug in a path is what Django's slug converter takes; anything else is a 404.
    "PATH_CONVERTER_OVERRIDES": {"slug": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}},
}

# One line per request and per Celery task (ekiden/activity_log.py), at INFO whatever the level
# of the rest; TASUKI_ACTIVITY_LOG=off leaves them out.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {
        "handlers": ["console"],
        "level": env.str(environment_name("TASUKI_LOG_LEVEL"), default="WARNING"),
    },
    "loggers": {
        name: {
            "handlers": ["console"],
            "level": "INFO" if env.bool("TASUKI_ACTIVITY_LOG", default=True) else "WARNING",
            "propagate": False,
        }
        for name in ("tasuki.requests", "tasuki.tasks")
    },
}

# Error reporting, only when SENTRY_DSN is set: nothing personal is sent (ekiden/error_reporting.py).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from ekiden.error_reporting import error_reporting_init

    error_reporting_init(SENTRY_DSN, environment=env.str("SENTRY_ENVIRONMENT", default="production"))

# Organisers upload entries and chip files in the admin; a file above this size is refused with
# its size and the limit (the import commands read from disk and have no limit).
TASUKI_UPLOAD_MAX_BYTES = env.int("TASUKI_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
if TASUKI_UPLOAD_MAX_BYTES <= 0:
    raise ImproperlyConfigured("TASUKI_UPLOAD_MAX_BYTES must be a positive number of bytes.")
# An uploaded file larger than this is streamed to a temporary file as it arrives rather than
# held in memory, so a huge upload costs disk, not the web worker's memory; the other fields of
# a request may not exceed DATA_UPLOAD_MAX_MEMORY_SIZE. (Both are Django's defaults, stated.)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# The live pages ask for new splits this often while the race is open (htmx polling).
TASUKI_LIVE_POLL_SECONDS = env.float("TASUKI_LIVE_POLL_SECONDS", default=10.0)
if TASUKI_LIVE_POLL_SECONDS <= 0:
    raise ImproperlyConfigured("TASUKI_LIVE_POLL_SECONDS must be a positive number of seconds, e.g. 10.")

# A public page is rendered again at most this often, however fast the splits come; meanwhile
# readers get the page rendered last (ekiden/page_cache.py). 0: after every change.
TASUKI_PAGE_REFRESH_SECONDS = env.float("TASUKI_PAGE_REFRESH_SECONDS", default=1.0)
if TASUKI_PAGE_REFRESH_SECONDS < 0:
    raise ImproperlyConfigured("TASUKI_PAGE_REFRESH_SECONDS must be 0 or a number of seconds, e.g. 1.")
# A station's keypad roster (who each bib is, how far each team got) is built again at most this
# often after a change (results/officials/roster.py); 0: after every change.
TASUKI_ROSTER_REFRESH_SECONDS = env.float("TASUKI_ROSTER_REFRESH_SECONDS", default=30.0)
if TASUKI_ROSTER_REFRESH_SECONDS < 0:
    raise ImproperlyConfigured("TASUKI_ROSTER_REFRESH_SECONDS must be 0 or a number of seconds, e.g. 30.")

# How long standings readers wait for a recompute that another process is running, and how long
# a process that died computing (a worker killed) keeps the others waiting.
TASUKI_STANDINGS_RECOMPUTE_WAIT_SECONDS = env.float("TASUKI_STANDINGS_RECOMPUTE_WAIT_SECONDS", default=30.0)
if TASUKI_STANDINGS_RECOMPUTE_WAIT_SECONDS <= 0:
    raise ImproperlyConfigured(
        "TASUKI_STANDINGS_RECOMPUTE_WAIT_SECONDS must be a positive number of seconds."
    )
# After Redis failed to answer, a process serves from the database alone this many seconds before
# it tries Redis again (ekiden/redis_cache.py).
TASUKI_REDIS_RETRY_SECONDS = env.float("TASUKI_REDIS_RETRY_SECONDS", default=5.0)
if TASUKI_REDIS_RETRY_SECONDS < 0:
    raise ImproperlyConfigured("TASUKI_REDIS_RETRY_SECONDS must be 0 or a number of seconds, e.g. 5.")
# A burst of splits within this window causes one recompute, not one per split.
TASUKI_STANDINGS_DEBOUNCE_SECONDS = env.float(
    environment_name("TASUKI_STANDINGS_DEBOUNCE_SECONDS"), default=0.2
)


def registration_rate(value: str, name: str = "TASUKI_REGISTRATION_RATE") -> tuple[int, int]:
    """'COUNT/SECONDS', e.g. '3/60': how many times one client may do a thing per window."""
    count, _slash, seconds = value.partition("/")
    try:
        rate = int(count), int(seconds)
    except ValueError:
        rate = (0, 0)
    if rate[0] < 1 or rate[1] < 1:
        raise ImproperlyConfigured(
            f"{name} is {value!r}; write COUNT/SECONDS with both at least 1, e.g. 3/60."
        )
    return rate


# One client may send the public registration form this often (successful or not).
TASUKI_REGISTRATION_RATE = registration_rate(env.str("TASUKI_REGISTRATION_RATE", default="3/60"))
# One client may ask to follow a team (Web Push or e-mail) this often; a family follows a team or
# two, a script in a loop would fill the table and, by e-mail, others' inboxes.
TASUKI_FOLLOW_RATE = registration_rate(env.str("TASUKI_FOLLOW_RATE", default="10/600"), "TASUKI_FOLLOW_RATE")
# Web Push (results/following/, docs/decisions/follow-a-team.md): the site's VAPID key pair,
# base64url as browsers take them, and the contact the push services may write to. None set: the
# team page offers e-mail only. Some set: start-up stops, naming what is missing.
VAPID_SETTINGS = ("TASUKI_VAPID_PUBLIC_KEY", "TASUKI_VAPID_PRIVATE_KEY", "TASUKI_VAPID_SUBJECT")
TASUKI_VAPID_PUBLIC_KEY = env.str("TASUKI_VAPID_PUBLIC_KEY", default="").strip()
TASUKI_VAPID_PRIVATE_KEY = env.str("TASUKI_VAPID_PRIVATE_KEY", default="").strip()
TASUKI_VAPID_SUBJECT = env.str("TASUKI_VAPID_SUBJECT", default="").strip()
_vapid_missing = [name for name in VAPID_SETTINGS if not globals()[name]]
if _vapid_missing and len(_vapid_missing) < len(VAPID_SETTINGS):
    raise ImproperlyConfigured(
        f"{', '.join(_vapid_missing)} not set: Web Push needs all of {', '.join(VAPID_SETTINGS)} "
        "(docs/deploy.md says how to make the keys), or none of them for e-mail only."
    )


if not _vapid_missing and (
    _vapid_problem := vapid_pair_problem(TASUKI_VAPID_PUBLIC_KEY, TASUKI_VAPID_PRIVATE_KEY)
):
    raise ImproperlyConfigured(f"{_vapid_problem}: make the pair again as docs/deploy.md says.")
if TASUKI_VAPID_SUBJECT and not TASUKI_VAPID_SUBJECT.startswith(("mailto:", "https://")):
    raise ImproperlyConfigured(
        f"TASUKI_VAPID_SUBJECT is {TASUKI_VAPID_SUBJECT!r}; write mailto:you@example.org "
        "(the push services write there about this site's notifications)."
    )
# The push services the site posts notifications to (a host or its parent domain). A subscription
# naming any other address is refused: the server would otherwise post wherever a stranger says,
# its own network included.
TASUKI_PUSH_SERVICE_HOSTS = env.list(
    "TASUKI_PUSH_SERVICE_HOSTS",
    default=[
        "fcm.googleapis.com",
        "updates.push.services.mozilla.com",
        "push.apple.com",
        "notify.windows.com",
    ],
)
# The site's address for links in e-mails a worker sends (a followed team's passes): no request
# there to take it from. Unset: the first ALLOWED_HOSTS over HTTPS, or the embedded mode's server.
TASUKI_SITE_URL = env.str("TASUKI_SITE_URL", default="").rstrip("/") or (
    "http://127.0.0.1:8000" if DEBUG else f"https://{ALLOWED_HOSTS[0].lstrip('.')}"
)
# How many proxies of ours stand in front of the site and append to X-Forwarded-For; 0 = none,
# the client's address is REMOTE_ADDR. Never more than there are: the header is then forged.
TASUKI_TRUSTED_PROXIES = env.int("TASUKI_TRUSTED_PROXIES", default=0)

# A device (by its token) or an official (by their account) may add this many reads of unknown
# bibs to a race's anomaly list a minute; more are refused like any bad read but not kept.
TASUKI_UNKNOWN_READS_PER_MINUTE = env.int("TASUKI_UNKNOWN_READS_PER_MINUTE", default=120)
if TASUKI_UNKNOWN_READS_PER_MINUTE < 0:
    raise ImproperlyConfigured("TASUKI_UNKNOWN_READS_PER_MINUTE must be 0 or more, e.g. 120.")

# The anomaly list flags a stretch run faster than this (150 s/km = 2:30 min/km): a wrong read,
# not a runner. 0 turns the check off.
TASUKI_MIN_PACE_SECONDS_PER_KM = env.int("TASUKI_MIN_PACE_SECONDS_PER_KM", default=150)
if TASUKI_MIN_PACE_SECONDS_PER_KM < 0:
    raise ImproperlyConfigured(
        "TASUKI_MIN_PACE_SECONDS_PER_KM must be 0 (no check) or a pace in seconds per km, e.g. 150."
    )
