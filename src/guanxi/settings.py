"""Django settings, read only from GUANXI_* environment variables with safe defaults.

One file serves every environment: a laptop (SQLite in the data directory) and a fleet of
stateless servers (PostgreSQL and Redis named by URL).
"""

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"GUANXI_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def clock_time(value: str, name: str) -> tuple[int, int]:
    """(hour, minute) of "HH:MM"; a wrong value stops the start with the variable's name."""
    try:
        hour, minute = (int(part) for part in value.strip().split(":"))
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a time such as 02:00, not {value!r}") from None
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ImproperlyConfigured(f"{name} must be a time such as 02:00, not {value!r}")
    return hour, minute


DATA_DIR = Path(env("DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Generated once into the data directory, so restarts keep sessions and tokens valid."""
    if env("SECRET_KEY"):
        return env("SECRET_KEY")
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def database_from_url(url: str) -> dict:
    """Turn `postgresql://user:pass@host:port/name` or `sqlite:///path` into a DATABASES entry."""
    parts = urlparse(url)
    if parts.scheme in {"postgres", "postgresql"}:
        options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 0,
            # Plain cursors: `.iterator()` then fetches in chunks without DECLARE … WITH HOLD,
            # which costs a round trip more and does not survive a transaction-mode pooler.
            "DISABLE_SERVER_SIDE_CURSORS": True,
            "OPTIONS": {"pool": {"min_size": 2, "max_size": 16}, **options},
        }
    if parts.scheme == "sqlite":
        return sqlite_database(Path(unquote(parts.path)))
    raise ValueError(f"Unsupported database URL scheme: {parts.scheme!r}")


def sqlite_database(path: Path) -> dict:
    # WAL lets readers and the single writer proceed together; IMMEDIATE transactions make
    # write conflicts wait on busy_timeout instead of failing mid-transaction.
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA cache_size=-64000; PRAGMA mmap_size=268435456; PRAGMA temp_store=MEMORY;"
            ),
        },
    }


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("CSRF_TRUSTED_ORIGINS").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django_htmx",
    "template_partials",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "ninja",
    "huey.contrib.djhuey",
    "guanxi.core",
    "guanxi.org",
    "guanxi.customers",
    "guanxi.activities",
    "guanxi.dataquality",
    "guanxi.dataquality.duplicates",
    "guanxi.dataquality.merging",
    "guanxi.dataquality.imports",
    "guanxi.dataquality.exports",
    "guanxi.automation",
    "guanxi.automation.notifications",
    "guanxi.automation.webhooks",
    "guanxi.automation.reminders",
    "guanxi.sales.products",
    "guanxi.sales.opportunities",
    "guanxi.sales.leads",
    "guanxi.sales.quotes",
    "guanxi.sales.contracts",
    "guanxi.sales.targets",
    "guanxi.demo",
    "guanxi.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "guanxi.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "guanxi.org.middleware.TwoFactorRequiredMiddleware",
    "guanxi.org.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "guanxi.urls"
WSGI_APPLICATION = "guanxi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "guanxi.web.context_processors.navigation",
            ],
        },
    }
]

if env("DATABASE_URL"):
    DATABASES = {"default": database_from_url(env("DATABASE_URL"))}
else:
    DATABASES = {"default": sqlite_database(DATA_DIR / "guanxi.sqlite3")}
if env("TEST_DATABASE_URL"):
    # The test run may target another server (CI runs the suite once on PostgreSQL).
    DATABASES = {"default": database_from_url(env("TEST_DATABASE_URL"))}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "org:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "org:login"

# Redis, when named, holds the cache and sessions so any app server can answer any request.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Background jobs (Huey): a SQLite queue in the data directory, consumed by the worker that
# `guanxi serve` starts; on Redis when it is named, so `guanxi worker` can run on any machine.
HUEY = {
    "name": "guanxi",
    "immediate": env_bool("JOBS_IMMEDIATE"),
    "utc": True,
    "consumer": {"workers": int(env("WORKER_THREADS", "2")), "worker_type": "thread"},
    **({"huey_class": "huey.PriorityRedisHuey", "url": REDIS_URL} if REDIS_URL else
       {"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "jobs.sqlite3")}),
}

# When the customer pools' nightly return sweep runs, as HH:MM in TIME_ZONE.
POOL_SWEEP_AT = clock_time(env("POOL_SWEEP_AT", "02:00"), "GUANXI_POOL_SWEEP_AT")

# When the daily reminders (follow-ups due, customers not contacted, contracts ending…) go out.
REMINDERS_AT = clock_time(env("REMINDERS_AT", "08:00"), "GUANXI_REMINDERS_AT")

# Exports of more rows than this are written by a background job and downloaded when done.
EXPORT_BACKGROUND_ROWS = int(env("EXPORT_BACKGROUND_ROWS", "5000"))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Behind HTTPS (GUANXI_HTTPS=1): secure cookies, HSTS, redirects, and trust the proxy's scheme header.
HTTPS = env_bool("HTTPS")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-eval'"],  # Alpine.js evaluates its expressions
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Lockout after repeated failed sign-ins, per user name and address.
AXES_FAILURE_LIMIT = int(env("LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = float(env("LOCKOUT_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "guanxi.org.views.locked_out"
AXES_VERBOSE = False

# Shown in authenticator apps beside the user name.
OTP_TOTP_ISSUER = "Guanxi"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "web" / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "uploads"
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000  # bulk actions post up to a page of ids

NINJA_PAGINATION_PER_PAGE = 50

# The company's name on printed documents (quotes); empty means the top department's name.
COMPANY_NAME = env("COMPANY_NAME", "")

# Default region for reading phone numbers written without a country code.
PHONE_DEFAULT_REGION = env("PHONE_REGION", "CN")

# Email of notifications, sent through SMTP by the background worker; links in emails and robot
# messages start with GUANXI_BASE_URL, the address people open Guanxi at.
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env("SMTP_HOST", "127.0.0.1")
EMAIL_PORT = int(env("SMTP_PORT", "25"))
EMAIL_HOST_USER = env("SMTP_USER")
EMAIL_HOST_PASSWORD = env("SMTP_PASSWORD")
EMAIL_USE_TLS = env_bool("SMTP_TLS")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = SERVER_EMAIL = env("EMAIL_FROM", "Guanxi <noreply@localhost>")
GUANXI_BASE_URL = env("BASE_URL", "http://127.0.0.1:8000").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
