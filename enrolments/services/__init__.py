"""Write services of the enrolment layer: each is atomic, typed and keyword-only."""
