"""Test settings: fast hashing, locmem cache, immediate tasks."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-secret-key"  # noqa: S105
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WAGTAILADMIN_BASE_URL = "http://testserver"

# Serve static files from the finders, so tests need no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
LOGGING["loggers"] |= {"wagtail": {"level": "WARNING"}, "django_tasks": {"level": "WARNING"}}  # noqa: F405
# The Moodle export is off, so the catalogue and enrolment tests do not pay for it;
# tests/lms (and the Moodle browser test) switch it on with the dummy backend or the fake.
LMS_BACKEND = "off"
# The API throttles by client address: the test client is always 127.0.0.1, so
# tests get a generous budget (the throttling test sets its own small one).
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute", "write": "100000/minute"},
}
