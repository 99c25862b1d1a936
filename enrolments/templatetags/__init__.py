"""Template tags of the enrolment layer."""
