"""Catalogue models: snippets, the course sheet and the editorial pages."""

from .course import CoursePage
from .pages import CatalogueIndexPage, FeaturedCourse, HomePage, ProgrammePage
from .snippets import Partner, Theme, Trainer

__all__ = [
    "CatalogueIndexPage",
    "CoursePage",
    "FeaturedCourse",
    "HomePage",
    "Partner",
    "ProgrammePage",
    "Theme",
    "Trainer",
]
