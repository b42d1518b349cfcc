"""All settings, from the environment, in one module (style.md: healthchecks).

Embedded defaults let `make run` work on a fresh machine with no service: SQLite (WAL)
under var/, Huey on SQLite, secrets generated once under var/. `XJM_ENV=production`
turns the defaults into errors and switches on Django's deployment safety.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONCE as CSP_NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("XJM_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [part.strip() for part in value.split(",") if part.strip()]


XJM_ENV = env_str("XJM_ENV", "development")
if XJM_ENV not in ("development", "test", "production"):
    raise ImproperlyConfigured(f"XJM_ENV must be development, test or production, not {XJM_ENV!r}")
PRODUCTION = XJM_ENV == "production"
# The data folder (the job queue's SQLite file without REDIS_URL, uploads, collected static
# files, audit checkpoints by default): made on first use in development; in production it
# must be there and writable, else the first thing to need it fails with a database error.
if PRODUCTION and not (VAR_DIR.is_dir() and os.access(VAR_DIR, os.W_OK | os.X_OK)):
    raise ImproperlyConfigured(
        f"XJM_VAR_DIR (the data folder, {VAR_DIR}) must be an existing folder this process "
        "can write when XJM_ENV=production: create it or set XJM_VAR_DIR")


def _local_secrets() -> dict[str, str]:
    """Secrets for development, generated once and kept under var/ (never in production)."""
    path = VAR_DIR / "secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    data = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "XJM_DATA_KEYS": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "XJM_HASH_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    tmp.chmod(0o600)
    tmp.replace(path)
    return data


def _secret(name: str) -> str:
    value = env_str(name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} must be set when XJM_ENV=production")
    return _local_secrets()[name]


SECRET_KEY = _secret("SECRET_KEY")
# Data encryption keys: "kid:base64key[,kid:base64key...]"; XJM_DATA_KEY_ID picks the one
# used to encrypt (default: the first). Older keys stay listed so old values decrypt.
XJM_DATA_KEYS = _secret("XJM_DATA_KEYS")
XJM_DATA_KEY_ID = env_str("XJM_DATA_KEY_ID")
XJM_HASH_KEY = _secret("XJM_HASH_KEY")


def _audit_keys() -> str:
    """The audit chain's keys, "kid:base64key[,kid:base64key...]" (HMAC-SHA256, at least 32
    bytes): kept outside the database, so whoever can write the audit table cannot forge
    a chain that verifies. Production refuses to start without XJM_AUDIT_KEYS; in
    development and tests a key is derived from SECRET_KEY (never stored)."""
    value = env_str("XJM_AUDIT_KEYS")
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured("XJM_AUDIT_KEYS must be set when XJM_ENV=production")
    derived = hashlib.sha256(b"xinjumin audit chain key\x00" + SECRET_KEY.encode()).digest()
    return "dev1:" + base64.b64encode(derived).decode()


# Audit chain: XJM_AUDIT_KEY_ID picks the key new events are keyed with (default: the
# first); older keys stay listed so older events verify. The chain's head is checkpointed
# to append-only files in XJM_AUDIT_CHECKPOINT_DIR (outside the database, hourly and at
# every verification): keep that folder on other storage than the database's.
XJM_AUDIT_KEYS = _audit_keys()
XJM_AUDIT_KEY_ID = env_str("XJM_AUDIT_KEY_ID")
XJM_AUDIT_CHECKPOINT_DIR = Path(env_str("XJM_AUDIT_CHECKPOINT_DIR", str(VAR_DIR / "audit")))

DEBUG = env_bool("DEBUG", not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when XJM_ENV=production")
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when XJM_ENV=production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "huey.contrib.djhuey",
    "ninja",
    "xinjumin.core",
    "xinjumin.geo",
    "xinjumin.people",
    "xinjumin.accounts",
    "xinjumin.audit",
    "xinjumin.records",
    "xinjumin.scoring",
    "xinjumin.cases",
    "xinjumin.permits",
    "xinjumin.registrations",
    "xinjumin.api",
    "xinjumin.portal",
    "xinjumin.backoffice",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "xinjumin.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "xinjumin.core.middleware.RequestIdMiddleware",
    "xinjumin.core.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "xinjumin.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "xinjumin.audit.middleware.AuditContextMiddleware",
    "axes.middleware.AxesMiddleware",
]
# API calls without the browser session (bearer token, API key: paths under this prefix
# without the session cookie) take a shorter chain (xinjumin.wsgi, core.middleware):
# MIDDLEWARE, in its order, without what only browser pages use (static files, sessions,
# CSRF, the session user and its TOTP state, messages). Derived, never a second list: a
# middleware added above is in both chains unless it is named here.
API_MIDDLEWARE_PREFIX = "/api/"
BROWSER_ONLY_MIDDLEWARE = frozenset({
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
})
API_MIDDLEWARE = [path for path in MIDDLEWARE if path not in BROWSER_ONLY_MIDDLEWARE]

ROOT_URLCONF = "xinjumin.urls"
WSGI_APPLICATION = "xinjumin.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "backoffice:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "xinjumin" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
            # `{{ label|tr }}`: a labels.Label in the page language, in every template
            "builtins": ["xinjumin.core.templatetags.labels"],
        },
    },
]

# Database: SQLite (WAL) under var/ unless DATABASE_URL says otherwise.
DATABASE_URL = env_str("DATABASE_URL")
# SQLite, by URL or by default: one writer at a time, taken at BEGIN (a reader turning
# writer mid-transaction would fail with "database is locked" instead of waiting).
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
    ),
}
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        DATABASES["default"]["OPTIONS"] = dict(SQLITE_OPTIONS)
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # psycopg prepares a statement only when asked (core.prepared's lookups, behind
        # every API request); Django's own queries bind on the client and are never
        # prepared. Django's default (None) turns preparing off: set
        # DATABASE_PREPARED_STATEMENTS=false behind a pooler that cannot keep them.
        if env_bool("DATABASE_PREPARED_STATEMENTS", True):
            DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
                "prepare_threshold", 2**31 - 1)
else:
    if PRODUCTION:
        raise ImproperlyConfigured("DATABASE_URL must be set when XJM_ENV=production")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "xinjumin.sqlite3",
            # Keep connections between requests: opening one (and its PRAGMAs) per request
            # cost about a fifth of a cheap API request.
            "CONN_MAX_AGE": 60,
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Jobs: Huey on SQLite by default, Redis when REDIS_URL is set; immediate mode in tests.
REDIS_URL = env_str("REDIS_URL")
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", XJM_ENV == "test")
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": "xinjumin",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "xinjumin",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Staff lockout (django-axes): 5 failures lock the account for an hour.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1
# Locked per account AND client address (the address the trusted proxy reports,
# core.addresses): by username alone anyone could lock any clerk out. A guesser who rotates
# addresses still needs the TOTP code too, and every locked-out pair ends the account's
# sessions and tokens (accounts.services.staff_lockout_end_sessions, audited).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "xinjumin.core.addresses.client_address"
SILENCED_SYSTEM_CHECKS: list[str] = []
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_LOCKOUT_CALLABLE = "xinjumin.backoffice.lockout.axes_lockout_response"
# Database sessions that know their account, so a lockout can end them all.
SESSION_ENGINE = "xinjumin.accounts.sessions"

# Staff TOTP: the issuer name authenticator apps show beside the account.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "宁波新居民")

# Resident login by SMS code.
# The local outbox (LocalOutboxBackend) keeps every code readable at /dev/sms-outbox/:
# development and tests only, never in production, whatever else is set (the deploy check
# xjm.E010 also refuses it, by class).
LOCAL_SMS_BACKEND = "xinjumin.accounts.sms.LocalOutboxBackend"
SMS_BACKEND = env_str("SMS_BACKEND", None if PRODUCTION else LOCAL_SMS_BACKEND) or ""
if PRODUCTION and os.environ.get("XJM_ALLOW_LOCAL_SMS"):
    raise ImproperlyConfigured(
        "XJM_ALLOW_LOCAL_SMS is not accepted when XJM_ENV=production: the local SMS outbox "
        "would serve every login code; remove it and set SMS_BACKEND to a real gateway")
if PRODUCTION and (not SMS_BACKEND or SMS_BACKEND.rsplit(".", 1)[-1] == "LocalOutboxBackend"):
    raise ImproperlyConfigured(
        "SMS_BACKEND must name a real gateway when XJM_ENV=production (the local SMS outbox "
        "would serve every login code)")
SMS_CODE_TTL_SECONDS = env_int("SMS_CODE_TTL_SECONDS", 300)
SMS_CODE_MAX_PER_HOUR = env_int("SMS_CODE_MAX_PER_HOUR", 5)
SMS_CODE_RESEND_SECONDS = env_int("SMS_CODE_RESEND_SECONDS", 60)
SMS_CODE_MAX_ATTEMPTS = env_int("SMS_CODE_MAX_ATTEMPTS", 5)
# Codes requested from one client address (any numbers) per window: a counter row per
# address and window, raised by a conditional UPDATE (accounts.services). Generous, since
# many phones share one carrier NAT address.
SMS_CODE_MAX_PER_ADDRESS = env_int("SMS_CODE_MAX_PER_ADDRESS", 30)
SMS_CODE_ADDRESS_WINDOW_SECONDS = env_int("SMS_CODE_ADDRESS_WINDOW_SECONDS", 600)


def _trusted_proxies() -> list[str]:
    """XJM_TRUSTED_PROXIES: addresses or networks of the reverse proxies whose
    X-Forwarded-For is believed (core.addresses); default none: REMOTE_ADDR only."""
    entries = env_list("XJM_TRUSTED_PROXIES", [])
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"XJM_TRUSTED_PROXIES must list addresses or networks, not {entry!r}") from None
    return entries


XJM_TRUSTED_PROXIES = _trusted_proxies()

# Request limits, per URL (core.middleware.RequestSizeLimitMiddleware): a body above its
# URL's limit is refused with a field-level 413 before it is read (Content-Length), or
# as soon as it is longer (chunked). Every URL takes the small XJM_MAX_REQUEST_BYTES, but
# the endpoints that take files: the back office's feed upload (a file of up to
# XJM_MAX_UPLOAD_BYTES) and the API's feed batch (up to 5,000 records as JSON).
XJM_MAX_REQUEST_BYTES = env_int("XJM_MAX_REQUEST_BYTES", 64 * 1024)
XJM_MAX_UPLOAD_BYTES = env_int("XJM_MAX_UPLOAD_BYTES", 200_000_000)
XJM_MAX_FEED_BATCH_BYTES = env_int("XJM_MAX_FEED_BATCH_BYTES", 8_000_000)
# a case's evidence file (PDF, JPEG, PNG) [default 10 MB], and its multipart request
XJM_MAX_EVIDENCE_BYTES = env_int("XJM_MAX_EVIDENCE_BYTES", 10_000_000)
XJM_MAX_EVIDENCE_REQUEST_BYTES = XJM_MAX_EVIDENCE_BYTES + 64 * 1024
XJM_BODY_LIMITS = {"backoffice:feed_upload": "XJM_MAX_UPLOAD_BYTES",
                   "api:feed_records": "XJM_MAX_FEED_BATCH_BYTES",
                   "api:case_evidence_add": "XJM_MAX_EVIDENCE_REQUEST_BYTES"}
# Django's own cap on a body read into memory (the feed batch's JSON is): the middleware
# has already held every URL to its limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = max(XJM_MAX_REQUEST_BYTES, XJM_MAX_FEED_BATCH_BYTES)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5_000_000

# The API documentation (/api/v1/docs) is public; its try-it console, which sends requests
# from the page, is off in production.
XJM_API_DOCS_TRY_IT = env_bool("XJM_API_DOCS_TRY_IT", not PRODUCTION)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "xinjumin" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "xinjumin" / "static"]
STATIC_ROOT = VAR_DIR / "static"
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it to exist
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(VAR_DIR / "media")}},
    "staticfiles": {"BACKEND": (
        "whitenoise.storage.CompressedManifestStaticFilesStorage" if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    )},
}
WHITENOISE_USE_FINDERS = not PRODUCTION

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy on every response (django-csp): nothing from another origin, no
# inline script but one carrying the response's nonce ({{ CSP_NONCE }}), no eval (htmx runs
# with allowEval false: templates/xjm/base.html), no inline style (no style attribute nor
# <style> element: htmx's indicator styles are off), no plugins, no framing, forms only to
# this site. The admin and the API docs (Swagger UI, local files) work under it
# (tests/browser/test_csp.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", CSP_NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_pii": {"()": "xinjumin.core.logging.MaskPersonalDataFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
                   "server": {"()": "django.utils.log.ServerFormatter",
                              "format": "[{server_time}] {message}", "style": "{"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain",
                    "filters": ["mask_pii"]},
        # runserver's request lines (Django's own "django.server" handler has no masking)
        "server": {"class": "logging.StreamHandler", "formatter": "server",
                   "filters": ["mask_pii"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # The Huey consumer installs its own handler on "huey": not propagating avoids every
    # line being printed twice.
    "loggers": {"axes": {"level": "WARNING"},
                "django.server": {"handlers": ["server"], "level": "INFO",
                                  "propagate": False},
                "huey": {"level": "INFO", "propagate": False}},
}
