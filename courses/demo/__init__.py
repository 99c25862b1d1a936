"""Demo schedule of the ALLyS programme: venues and sessions for the demo courses.

Builds on ``catalogue.demo`` (the course pages); the ``seed_demo`` command
lives in this app so that imports keep running one way.
"""
