"""The Moodle web-service client. Only ``lms.backends.moodle`` imports it."""
