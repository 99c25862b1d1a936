"""The shape of a demo course: one row of the course table."""

from dataclasses import dataclass, field
from decimal import Decimal

from catalogue.choices import CourseFormat, CourseLevel


@dataclass(frozen=True)
class Module:
    """A syllabus module: title, hours and a one-paragraph description."""

    title: str
    hours: Decimal
    text: str


def module(title: str, hours: float, text: str) -> Module:
    return Module(title=title, hours=Decimal(str(hours)), text=text)


@dataclass(frozen=True)
class CourseSpec:
    """Everything specific to one demo course; shared wording comes from ``texts``."""

    slug: str
    acronym: str
    theme: str
    title: str
    summary: str
    audience: str
    prerequisites: tuple[str, ...]
    objectives: tuple[str, ...]
    modules: tuple[Module, ...]
    level: str = CourseLevel.INTERMEDIATE
    format: str = CourseFormat.IN_PERSON
    languages: tuple[str, ...] = ("fr",)
    partners: tuple[str, ...] = ()
    trainers: tuple[str, ...] = ()
    price: int = 900
    access_delay_days: int = 7
    # What the practical work is about, and what the final assessment asks.
    practice: str = ""
    assessment: str = ""
    certification: tuple[str, str, str] | None = None  # (title, RS/RNCP code, certifier)
    satisfaction: int | None = None
    completion: int | None = None
    extra_themes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def duration_hours(self) -> Decimal:
        return sum((m.hours for m in self.modules), Decimal(0))

    @property
    def theme_slugs(self) -> tuple[str, ...]:
        return (self.theme, *self.extra_themes)
