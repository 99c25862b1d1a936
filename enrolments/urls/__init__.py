"""URL modules of the enrolment layer, one per room (included by config/urls.py)."""
