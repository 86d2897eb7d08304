"""Settings, all read from the environment. Safe defaults: DEBUG off, no open hosts.

Every variable is documented in the README's "Configuration" table. Problems with
values are reported by the system checks in checker/checks.py, not by tracebacks.
"""
import os
import secrets
from pathlib import Path

import dj_database_url

from checker.engine.config import ConfigError, EngineConfig

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def env_bool(name, default=False):
    """A yes/no variable. A word it does not know (DEBUG=flase) is a system check error, not a
    silent "no": the default is used meanwhile."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    SETTINGS_ERRORS.append(f"{name}={value!r} is not a yes/no value (use one of {', '.join(TRUE_WORDS + FALSE_WORDS)})")
    return default


def env_int(name, default):
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        SETTINGS_ERRORS.append(f"{name}={os.environ.get(name)!r} is not an integer")
        return default


SETTINGS_PROBLEMS: list[str] = []  # read by checker.checks (warnings)
SETTINGS_ERRORS: list[str] = []    # read by checker.checks (errors: a value the variable cannot take)

DEBUG = env_bool("DEBUG")


def _local_secret_key():
    """A key generated once into var/ so local runs (DEBUG, make run) keep sessions across restarts."""
    path = VAR_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        path.write_text(key)
        path.chmod(0o600)
        return key


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and os.environ.get("SECRET_KEY_FILE"):
    SECRET_KEY = Path(os.environ["SECRET_KEY_FILE"]).read_text().strip()
if not SECRET_KEY and DEBUG:
    SECRET_KEY = _local_secret_key()
if not SECRET_KEY:
    # Django refuses an empty key with a traceback; a placeholder lets checker.checks
    # report the real problem (E001) with a clear message instead.
    SECRET_KEY = "unset-" + secrets.token_urlsafe(40)
    SETTINGS_PROBLEMS.append("SECRET_KEY is not set")
    SECRET_KEY_MISSING = True
else:
    SECRET_KEY_MISSING = False

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "django_rq",
    "checker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "checker.middleware.SecurityHeadersMiddleware",  # CSP and friends (checker/middleware.py)
]

ROOT_URLCONF = "site.urls"
WSGI_APPLICATION = "site.wsgi.application"

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
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker write concurrently: WAL and immediate
    # transactions avoid "database is locked" under that load.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory, so that worker and web-server subprocesses started by the
    # tests see the same test database.
    # The process id keeps two test runs on one machine apart.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
USE_I18N = False

# The largest legitimate body is one form field of names.MAX_INPUT characters; bigger
# bodies are refused with 400 (the API answers 413 above its own 4 KiB limit, checker/api.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Redis and the job queue.
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6390/0")
RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": env_int("CHECK_JOB_TIMEOUT", 120)},
             # alert mails and webhooks: a worker takes them only when no check waits (checker/monitoring/)
             "notify": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 60}}
# Surveys (checker/survey/, README "Surveys"): their own queue, so a zone scan never delays
# the site's checks. A survey job keeps working until no chunk is left, hence the long timeout.
RQ_QUEUES["survey"] = {"URL": REDIS_URL, "DEFAULT_TIMEOUT": env_int("SURVEY_JOB_TIMEOUT", 86400)}
RQ_SHOW_ADMIN_LINK = False

# Security headers. HTTPS-only settings switch on with SITE_HTTPS=1 (behind a TLS proxy).
SITE_HTTPS = env_bool("SITE_HTTPS")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SITE_HTTPS
CSRF_COOKIE_HTTPONLY = False
SECURE_SSL_REDIRECT = SITE_HTTPS and not env_bool("SITE_HTTPS_NO_REDIRECT")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000) if SITE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SITE_HTTPS
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")
if SITE_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The checker engine (docs/architecture.md). A bad value becomes a system check error.
try:
    CHECKER_CONFIG = EngineConfig.from_env(os.environ)
    CHECKER_CONFIG_ERROR = None
except ConfigError as error:
    CHECKER_CONFIG = EngineConfig()
    CHECKER_CONFIG_ERROR = str(error)

# Staff statistics (checker/stats/): counts from 1 to this minus one are shown as "< N".
STATS_MIN_COUNT = env_int("STATS_MIN_COUNT", 5)

# Surveys: domains checked at once per worker process, politeness caps (per worker process),
# the User-Agent of policy fetches, domains never probed, and the leases that make runs resumable.
SURVEY_CONCURRENCY = env_int("SURVEY_CONCURRENCY", 128)
SURVEY_RESOLVER_LIMIT = env_int("SURVEY_RESOLVER_LIMIT", 256)   # queries in flight per resolver
SURVEY_HTTPS_LIMIT = env_int("SURVEY_HTTPS_LIMIT", 4)           # connections per destination IP
SURVEY_SMTP_LIMIT = env_int("SURVEY_SMTP_LIMIT", 2)             # connections per destination IP
SURVEY_CONTACT_URL = os.environ.get("SURVEY_CONTACT_URL", "")
SURVEY_OPT_OUT_FILE = os.environ.get("SURVEY_OPT_OUT_FILE", "")
SURVEY_CHECK_TIMEOUT = env_int("SURVEY_CHECK_TIMEOUT", 10)      # seconds per domain
SURVEY_CHUNK_SIZE = env_int("SURVEY_CHUNK_SIZE", 200)
SURVEY_LEASE_SECONDS = env_int("SURVEY_LEASE_SECONDS", 60)      # a dead worker's chunk is taken over after this
SURVEY_MAX_JOBS = env_int("SURVEY_MAX_JOBS", 1000)              # jobs enqueued per `survey run`

CHECK_REUSE_SECONDS = env_int("CHECK_REUSE_SECONDS", 120)
CHECK_STALE_SECONDS = env_int("CHECK_STALE_SECONDS", 300)
# /healthz says "degraded" when the oldest queued check has waited longer than this.
HEALTH_QUEUE_AGE_SECONDS = env_int("HEALTH_QUEUE_AGE_SECONDS", 120)
RATE_LIMIT_CHECKS = env_int("RATE_LIMIT_CHECKS", 20)
RATE_LIMIT_WINDOW_SECONDS = env_int("RATE_LIMIT_WINDOW_SECONDS", 600)
# Behind a reverse proxy, the client address is the last X-Forwarded-For hop (checker/submit.py).
TRUSTED_PROXY = env_bool("TRUSTED_PROXY")

# Monitoring (checker/monitoring/, README "Watching a domain").
MONITOR_INTERVAL_SECONDS = max(env_int("MONITOR_INTERVAL_SECONDS", 86400), 60)  # re-check of a watched domain
MONITOR_WARN_DAYS = env_int("MONITOR_WARN_DAYS", 21)          # certificate/key expiry without a next-key TLSA record
MONITOR_RRSIG_DAYS = env_int("MONITOR_RRSIG_DAYS", 3)         # apex RRSIG expiry (signers re-sign well before)
WATCH_CONFIRM_HOURS = env_int("WATCH_CONFIRM_HOURS", 48)      # an unconfirmed watch is deleted after this
WATCH_MAX_DOMAINS_PER_ADDRESS = env_int("WATCH_MAX_DOMAINS_PER_ADDRESS", 50)
RATE_LIMIT_WATCHES = env_int("RATE_LIMIT_WATCHES", 10)        # watch requests per client per window
RATE_LIMIT_WATCH_ADDRESS = env_int("RATE_LIMIT_WATCH_ADDRESS", 3)  # confirmation mails per address per window
RATE_LIMIT_WATCH_WINDOW_SECONDS = env_int("RATE_LIMIT_WATCH_WINDOW_SECONDS", 3600)
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")         # base of links in mails; default: the request's

# Mail: SMTP when EMAIL_HOST is set, else printed to the worker's log (development, tests).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "mail-checker@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
