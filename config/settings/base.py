"""Settings shared by every environment.

Everything that differs between machines comes from environment variables;
see the README's "Configuration" section for the full list.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("ALLYS_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    """Read a boolean environment variable ("1", "true", "yes" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated environment variable as a list."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "catalogue",
    "courses",
    "enrolments",
    "lms",
    "api",
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "allauth",
    "allauth.account",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before CommonMiddleware: partners' browsers get the CORS headers on every API answer.
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "api.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'allys.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "enrolments.User"

AUTHENTICATION_BACKENDS = [
    # Wagtail's admin login (username) and allauth's email login.
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# French first, English available.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "allys",
    }
}

# Wagtail
WAGTAIL_SITE_NAME = "ALLyS Formation"
WAGTAILADMIN_BASE_URL = os.environ.get("ALLYS_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {
    "default": {
        "BACKEND": "wagtail.search.backends.database",
        # French stemming on PostgreSQL; ignored by the SQLite backend.
        "SEARCH_CONFIG": "french",
    }
}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAIL_MODERATION_ENABLED = True

# Background work: the database backend in production, immediate in tests.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("ALLYS_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "ALLyS Formation <formation@allys.example>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # WeasyPrint logs several INFO lines per PDF.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # One INFO line per request otherwise (the Moodle client logs its own calls).
        "httpx": {"level": "WARNING"},
    },
}

# Platform identity, used in JSON-LD and iCalendar.
ALLYS_ORGANISATION_NAME = os.environ.get("ALLYS_ORGANISATION_NAME", "ALLyS Formation")
ALLYS_ORGANISATION_URL = os.environ.get("ALLYS_BASE_URL", "http://127.0.0.1:8000")

LANGUAGE_NAMES = {"fr": _("French"), "en": _("English")}

# The catalogue listing is built by the schedule layer (see CatalogueIndexPage).
CATALOGUE_LISTING_BUILDER = "courses.listing.build_listing"

# --- accounts (django-allauth): email is the login --------------------------
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# Sign-up also asks the names the contract and invoices need.
ACCOUNT_FORMS = {"signup": "enrolments.forms.signup.SignupForm"}
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[ALLyS Formation] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = os.environ.get("ALLYS_HTTP_PROTOCOL", "http")
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/mon-espace/"

# --- enrolment rules (French law and house terms) ---------------------------
# Minutes a place is held while the learner gives their card or pays.
ENROLMENT_HOLD_MINUTES = int(os.environ.get("ALLYS_HOLD_MINUTES", "30"))
# Hours a freed place is kept for the next person on the waitlist.
WAITLIST_OFFER_HOURS = int(os.environ.get("ALLYS_WAITLIST_OFFER_HOURS", "48"))
# L6353-5: withdrawal period of an individual training contract, in days.
WITHDRAWAL_PERIOD_DAYS = 10
# L6353-6: at most this share of the price once the withdrawal period is over.
DEPOSIT_PERCENT = int(os.environ.get("ALLYS_DEPOSIT_PERCENT", "30"))
# The balance is split into monthly instalments while the course runs, at most this many.
BALANCE_MAX_INSTALMENTS = int(os.environ.get("ALLYS_BALANCE_MAX_INSTALMENTS", "3"))
# Courses shorter than this many days have their balance charged at the start.
BALANCE_SINGLE_CHARGE_MAX_DAYS = 30
# Days before a charge when the learner is told about it.
INSTALMENT_NOTICE_DAYS = 3
# Hours between retries of a failed instalment, then it stays failed for finance staff.
INSTALMENT_RETRY_HOURS = [24, 72, 168]
# Cancellation after the withdrawal period: (days before the start, share refunded in %),
# the first line whose days are reached applies.
CANCELLATION_TERMS = [(14, 100), (7, 50), (0, 0)]
# Email domains of partner staff who may take a free place.
FREE_PLACE_EMAIL_DOMAINS = env_list("ALLYS_FREE_PLACE_DOMAINS", "ens-lyon.fr,univ-lyon1.fr,inria.fr,cnrs.fr")
# Who receives quote requests for funders (OPCO, France Travail).
ENROLMENT_STAFF_EMAILS = env_list("ALLYS_ENROLMENT_STAFF_EMAILS", "formation@allys.example")

# --- REST API ---------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    # "format" is a catalogue filter (?format=online), not a renderer switch.
    "URL_FORMAT_OVERRIDE": None,
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.AnonThrottle",
        "api.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("ALLYS_API_ANON_RATE", "120/minute"),
        "user": os.environ.get("ALLYS_API_USER_RATE", "600/minute"),
        "write": os.environ.get("ALLYS_API_WRITE_RATE", "60/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ALLyS Formation API",
    "DESCRIPTION": "The continuing-education catalogue of the ALLyS AI cluster: programmes, courses and sessions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs UI's assets come from drf-spectacular-sidecar, served by us: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "PREPROCESSING_HOOKS": ["api.schema.only_api_v1"],
    # One schema name per choice set that several fields share.
    "ENUM_NAME_OVERRIDES": {
        "LanguageEnum": "catalogue.choices.Language",
        "SessionStatusEnum": "courses.models.SessionStatus",
    },
}
# Partner sites allowed to call the API from a browser (comma-separated origins).
CORS_ALLOWED_ORIGINS = env_list("ALLYS_API_CORS_ORIGINS", "")
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_CREDENTIALS = False

# --- company seats ------------------------------------------------------------
# Days a quote stays valid.
COMPANY_QUOTE_VALID_DAYS = int(os.environ.get("ALLYS_COMPANY_QUOTE_VALID_DAYS", "30"))
# Days a bank-transfer invoice gives the company to pay.
COMPANY_INVOICE_DUE_DAYS = int(os.environ.get("ALLYS_COMPANY_INVOICE_DUE_DAYS", "30"))
# Seats of an order still unpaid this many days before the start are released ...
COMPANY_UNPAID_RELEASE_DAYS = int(os.environ.get("ALLYS_COMPANY_UNPAID_RELEASE_DAYS", "10"))
# ... after warnings to the managers this many days before the release.
COMPANY_UNPAID_WARNING_DAYS = [7, 2]
# Managers are reminded of seats nobody holds yet this many days before the start.
COMPANY_SEAT_REMINDER_DAYS = [14, 3]

# --- payments ---------------------------------------------------------------
# "dummy" runs offline (a local fake checkout page); "stripe" talks to Stripe.
PAYMENT_BACKEND = os.environ.get("ALLYS_PAYMENT_BACKEND", "dummy")
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")

# --- the seller, as invoices and contracts name it --------------------------
SELLER = {
    "name": os.environ.get("ALLYS_SELLER_NAME", "ALLyS Formation (ENS de Lyon)"),
    "address": os.environ.get("ALLYS_SELLER_ADDRESS", "15 parvis René Descartes, 69007 Lyon, France"),
    "siret": os.environ.get("ALLYS_SELLER_SIRET", "19694123100019"),
    "vat_number": os.environ.get("ALLYS_SELLER_VAT", "FR61196941231"),
    # Numéro de déclaration d'activité (organisme de formation).
    "activity_number": os.environ.get("ALLYS_SELLER_ACTIVITY_NUMBER", "84 69 00000 69"),
    "email": os.environ.get("ALLYS_SELLER_EMAIL", "formation@allys.example"),
}
# The professional-training VAT exemption, CGI art. 261-4-4° a: invoices at 0 % with the mention.
SELLER_VAT_EXEMPT = env_bool("ALLYS_SELLER_VAT_EXEMPT", True)

# --- the LMS (Moodle) export ------------------------------------------------
# "moodle" talks to MOODLE_URL; "dummy" keeps an in-memory LMS (demo, tests); "off" exports nothing.
LMS_BACKEND = os.environ.get("ALLYS_LMS_BACKEND", "dummy")
# Moodle's wwwroot exactly (no trailing path): a request to another host is redirected, and fails.
MOODLE_URL = os.environ.get("MOODLE_URL", "")
MOODLE_TOKEN = os.environ.get("MOODLE_TOKEN", "")
MOODLE_STUDENT_ROLE_ID = int(os.environ.get("MOODLE_STUDENT_ROLE_ID", "5"))
# "manual" creates accounts with createpassword=1 (Moodle emails a password); or an SSO auth plugin name.
MOODLE_USER_AUTH = os.environ.get("MOODLE_USER_AUTH", "manual")
# The programme's category in Moodle; each theme gets a subcategory under it.
MOODLE_CATEGORY_ROOT_IDNUMBER = os.environ.get("MOODLE_CATEGORY_ROOT_IDNUMBER", "ALLYS")
MOODLE_CATEGORY_ROOT_NAME = os.environ.get("MOODLE_CATEGORY_ROOT_NAME", "ALLyS Formation")
# Stay under PHP's max_input_vars (1000 by default) with every call.
MOODLE_MAX_FORM_FIELDS = int(os.environ.get("MOODLE_MAX_FORM_FIELDS", "900"))
MOODLE_CONNECT_TIMEOUT = float(os.environ.get("MOODLE_CONNECT_TIMEOUT", "5"))
MOODLE_READ_TIMEOUT = float(os.environ.get("MOODLE_READ_TIMEOUT", "30"))
# Learners can enter the Moodle course this many days before the first slot, and stay after the last one.
MOODLE_ACCESS_DAYS_BEFORE = int(os.environ.get("MOODLE_ACCESS_DAYS_BEFORE", "7"))
MOODLE_ACCESS_DAYS_AFTER = int(os.environ.get("MOODLE_ACCESS_DAYS_AFTER", "60"))
# Retries: an item error this many times becomes a dead letter; delays double up to the cap (seconds).
MOODLE_ITEM_MAX_ATTEMPTS = int(os.environ.get("MOODLE_ITEM_MAX_ATTEMPTS", "5"))
MOODLE_RETRY_BASE_SECONDS = 30
MOODLE_RETRY_MAX_SECONDS = 1800
# Completion is pulled for sessions running or ended within this many days.
MOODLE_COMPLETION_LOOKBACK_DAYS = 60
# Who hears about a paused queue (configuration error).
MOODLE_ALERT_EMAILS = env_list("ALLYS_MOODLE_ALERT_EMAILS", "formation@allys.example")
