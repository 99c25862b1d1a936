"""Facet groups, active-filter chips and links that keep the query string (no database)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.http import QueryDict
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from catalogue.choices import CourseFormat, CourseLevel, Language
from courses.listing.facets import PLACES_VALUE
from courses.listing.filters import DURATION_BUCKETS, PRICE_BUCKETS, ListingParams

FACET_LABELS = {
    "theme": _("Theme"),
    "partner": _("Partner"),
    "format": _("Format"),
    "language": _("Language"),
    "level": _("Level"),
    "month": _("Month"),
    "price": _("Price"),
    "duration": _("Duration"),
    "places": _("Availability"),
}
# Facet key -> ListingParams attribute with its selected values.
FACET_PARAMS = {
    "theme": "themes",
    "partner": "partners",
    "format": "formats",
    "language": "languages",
    "level": "levels",
    "month": "months",
    "price": "prices",
    "duration": "durations",
}
# Facets offered as every choice, in this order, even when a count is zero.
FIXED_CHOICES = {
    "format": CourseFormat.choices,
    "language": Language.choices,
    "level": CourseLevel.choices,
    "price": [(b.key, b.label) for b in PRICE_BUCKETS],
    "duration": [(b.key, b.label) for b in DURATION_BUCKETS],
}
FACET_ORDER = ("theme", "month", "format", "language", "level", "duration", "price", "places", "partner")


# A facet with more options than this shows the rest in a <details> block.
FOLD_AFTER = 12


@dataclass(frozen=True, slots=True)
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool
    input_id: str  # id of the checkbox, for its label


@dataclass(frozen=True, slots=True)
class FacetGroup:
    key: str  # also the query parameter name
    label: str
    options: tuple[FacetOption, ...]

    @property
    def selected_count(self) -> int:
        return sum(1 for option in self.options if option.selected)

    @property
    def first_options(self) -> tuple[FacetOption, ...]:
        """The options always on show; long groups (months) fold the rest away."""
        return self.options[:FOLD_AFTER]

    @property
    def more_options(self) -> tuple[FacetOption, ...]:
        return self.options[FOLD_AFTER:]

    @property
    def more_selected(self) -> bool:
        return any(option.selected for option in self.more_options)


@dataclass(frozen=True, slots=True)
class ActiveFilter:
    label: str
    remove_url: str


def month_label(month: str) -> str:
    """``2027-03`` as "March 2027" in the active language."""
    year, number = month.split("-")
    return date_format(dt.date(int(year), int(number), 1), "YEAR_MONTH_FORMAT")


class Links:
    """URLs of the listing that keep the current query string, minus what is changed."""

    def __init__(self, path: str, query: QueryDict):
        self.path = path
        self.query = query

    def _url(self, query: QueryDict) -> str:
        encoded = query.urlencode()
        return f"{self.path}?{encoded}" if encoded else self.path

    def without(self, *names: str, value: str | None = None) -> str:
        """Drop parameters (or one ``value`` of a single one), and the page number."""
        query = self.query.copy()
        query.pop("page", None)
        for name in names:
            if value is None:
                query.pop(name, None)
            else:
                query.setlist(name, [v for v in query.getlist(name) if v.strip() != value])
        return self._url(query)

    def page(self, number: int) -> str:
        query = self.query.copy()
        if number > 1:
            query["page"] = str(number)
        else:
            query.pop("page", None)
        return self._url(query)

    @property
    def reset(self) -> str:
        return self.path


def facet_groups(
    params: ListingParams,
    counts: dict[str, dict],
    *,
    themes: dict[str, tuple[str, str]],  # key -> (slug, label)
    partners: dict[int, tuple[str, str]],  # id -> (slug, label)
) -> list[FacetGroup]:
    """The facet groups in display order; options with nothing to show are left out unless selected."""
    groups = []
    for key in FACET_ORDER:
        if key == "places":
            count = counts["places"].get(PLACES_VALUE, 0)
            option = FacetOption(PLACES_VALUE, str(_("Places left only")), count, params.places, "facet-places")
            groups.append(FacetGroup(key, str(FACET_LABELS[key]), (option,)))
            continue
        selected = set(getattr(params, FACET_PARAMS[key]))
        if key == "theme":
            raw = [(slug, label, counts[key].get(k, 0)) for k, (slug, label) in themes.items()]
            raw.sort(key=lambda item: item[1].casefold())
        elif key == "partner":
            raw = [(slug, label, counts[key].get(pk, 0)) for pk, (slug, label) in partners.items()]
            raw.sort(key=lambda item: item[1].casefold())
        elif key == "month":
            months = sorted(set(counts[key]) | selected)
            raw = [(month, month_label(month), counts[key].get(month, 0)) for month in months]
        else:
            raw = [(value, str(label), counts[key].get(value, 0)) for value, label in FIXED_CHOICES[key]]
        shown = [item for item in raw if item[2] or item[0] in selected or key in FIXED_CHOICES]
        options = tuple(
            FacetOption(value, label, count, value in selected, f"facet-{key}-{number}")
            for number, (value, label, count) in enumerate(shown, start=1)
        )
        if options:
            groups.append(FacetGroup(key, str(FACET_LABELS[key]), options))
    return groups


def active_filters(params: ListingParams, groups: Iterable[FacetGroup], links: Links) -> list[ActiveFilter]:
    """One removable chip per active value, the search text and the dates included."""
    chips = []
    if params.q:
        chips.append(ActiveFilter(str(_("Search: “%(q)s”") % {"q": params.q}), links.without("q")))
    labels = {(g.key, o.value): (g.label, o.label) for g in groups for o in g.options if o.selected}
    for key in FACET_ORDER:
        values = [PLACES_VALUE] if key == "places" and params.places else []
        if key != "places":
            values = list(getattr(params, FACET_PARAMS[key]))
        for value in values:
            group_label, option_label = labels.get((key, value), (str(FACET_LABELS[key]), value))
            label = _("%(facet)s: %(value)s") % {"facet": group_label, "value": option_label}
            chips.append(ActiveFilter(str(label), links.without(key, value=value)))
    for name, day, label in (
        ("from", params.date_from, _("From %(date)s")),
        ("to", params.date_to, _("Until %(date)s")),
    ):
        if day:
            chips.append(ActiveFilter(str(label % {"date": date_format(day, "DATE_FORMAT")}), links.without(name)))
    return chips


@dataclass(frozen=True, slots=True)
class Suggestion:
    label: str
    url: str
    count: int


def relaxations(params: ListingParams, links: Links, count_without: Callable[[str], int]) -> list[Suggestion]:
    """For an empty result: each active parameter whose removal would bring results back."""
    names = []
    if params.q:
        names.append(("q", _("Remove the search text")))
    for key in FACET_ORDER:
        active = params.places if key == "places" else getattr(params, FACET_PARAMS[key])
        if active:
            names.append((key, _("Remove the %(facet)s filter") % {"facet": str(FACET_LABELS[key]).lower()}))
    if params.date_from or params.date_to:
        names.append(("dates", _("Remove the dates")))
    suggestions = []
    for name, label in names:
        count = count_without(name)
        if count:
            url = links.without("from", "to") if name == "dates" else links.without(name)
            suggestions.append(Suggestion(str(label), url, count))
    return suggestions
