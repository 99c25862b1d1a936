"""Forms of the enrolment layer, one module per room."""
