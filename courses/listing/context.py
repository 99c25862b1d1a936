"""Assemble the listing: parse, resolve, filter and count, sort, paginate, and make cards.

Queries per request: one for the version stamp with the themes and partners,
and one for the text search when there is one. When the stamp changed, three
more rebuild the rows. None depends on the size of the catalogue.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from catalogue.models import CatalogueIndexPage
from courses.listing import rows
from courses.listing.cards import build_card
from courses.listing.facets import Match, Outcome, Selection, evaluate, sort_matches
from courses.listing.filters import PER_PAGE, SORT_CHOICES, SORT_NEXT, ListingParams, Notice, parse_params
from courses.listing.groups import FACET_PARAMS, Links, active_filters, facet_groups, relaxations
from courses.listing.rows import Catalogue, get_catalogue
from courses.listing.search import matching_page_ids
from courses.listing.snapshot import Lookups, read_snapshot
from courses.listing.upcoming import current_upcoming

# Results kept per selection while the rows and the upcoming window last.
MAX_MEMOISED_SELECTIONS = 64


def active_language() -> str:
    """The visitor's language, as one of settings.LANGUAGES codes."""
    codes = [code for code, _name in settings.LANGUAGES]
    current = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0].lower()
    return current if current in codes else settings.LANGUAGE_CODE


def resolve(
    params: ListingParams, lookups: Lookups, catalogue: Catalogue
) -> tuple[ListingParams, Selection, list[Notice]]:
    """Check slugs against themes and partners, run the text search, and build the selection."""
    notices = []
    themes = [slug for slug in params.themes if slug in lookups.theme_keys_by_slug]
    partners = [slug for slug in params.partners if slug in lookups.partner_ids_by_slug]
    for slug in params.themes:
        if slug not in lookups.theme_keys_by_slug:
            notices.append(Notice(str(_("There is no theme “%(value)s”; it was ignored.") % {"value": slug})))
    for slug in params.partners:
        if slug not in lookups.partner_ids_by_slug:
            notices.append(Notice(str(_("There is no partner “%(value)s”; it was ignored.") % {"value": slug})))
    # Show the active-language slug of a theme chosen through another language's slug.
    themes = list(dict.fromkeys(lookups.themes[lookups.theme_keys_by_slug[slug]][0] for slug in themes))
    params = dataclasses.replace(params, themes=tuple(themes), partners=tuple(partners))
    keys = None
    if params.q:
        keys = frozenset(
            catalogue.key_by_page_id[pk] for pk in matching_page_ids(params.q) if pk in catalogue.key_by_page_id
        )
    selection = Selection(
        themes=frozenset(lookups.theme_keys_by_slug[slug] for slug in themes),
        partners=frozenset(lookups.partner_ids_by_slug[slug] for slug in partners),
        formats=frozenset(params.formats),
        levels=frozenset(params.levels),
        durations=frozenset(params.durations),
        months=frozenset(params.months),
        languages=frozenset(params.languages),
        prices=frozenset(params.prices),
        places=params.places,
        date_from=params.date_from,
        date_to=params.date_to,
        keys=keys,
    )
    return params, selection, notices


def _selection_without(selection: Selection, name: str) -> Selection:
    # Selection fields are named like ListingParams' (FACET_PARAMS), the text search aside.
    field = "keys" if name == "q" else FACET_PARAMS.get(name)
    if name == "places":
        return dataclasses.replace(selection, places=False)
    if name == "dates":
        return dataclasses.replace(selection, date_from=None, date_to=None)
    return dataclasses.replace(selection, **{field: None if field == "keys" else frozenset()})


def course_url(url_path: str, request: HttpRequest) -> str:
    """A course page's URL from its ``url_path``, without loading the page.

    ``Page.get_url`` only needs the ``url_path`` and the site root paths,
    which Wagtail caches (and keeps on the request), so this costs no query.
    """
    return Page(url_path=url_path).get_url(request) or ""


def results(catalogue: Catalogue, selection: Selection, sort: str, now: dt.datetime) -> tuple[Outcome, list[Match]]:
    """Matches (sorted) and facet counts, memoised per selection until the data or the window change."""
    upcoming = current_upcoming(catalogue, now)
    memo = upcoming.memo
    found = memo.get((selection, sort))
    if found is None:
        outcome = memo.get(selection)
        if outcome is None:
            outcome = evaluate(catalogue.rows, selection, now, upcoming=upcoming)
        found = (outcome, sort_matches(outcome.matches, sort))
        if len(memo) >= MAX_MEMOISED_SELECTIONS:
            memo.clear()
        memo[selection] = outcome
        memo[(selection, sort)] = found
    return found


def clear_cache() -> None:
    """Forget the cached rows (tests, benchmarks); the next request rebuilds them."""
    rows.clear_cache()


def build_listing(*, request: HttpRequest, index_page: CatalogueIndexPage) -> dict:
    """Everything the listing template needs (see templates/catalogue/catalogue_index_page.html)."""
    language = active_language()
    now = timezone.now()
    params, notices = parse_params(request.GET)
    snapshot = read_snapshot(language)
    catalogue = get_catalogue(language, snapshot.stamp)
    params, selection, more_notices = resolve(params, snapshot.lookups, catalogue)
    notices += more_notices

    outcome, matches = results(catalogue, selection, params.sort, now)
    paginator = Paginator(matches, PER_PAGE)
    page_obj = paginator.get_page(params.page)
    if params.page > paginator.num_pages > 0:
        notices.append(Notice(str(_("There are only %(n)s pages; here is the last one.") % {"n": paginator.num_pages})))

    links = Links(request.path, request.GET)
    theme_labels = {key: label for key, (_slug, label) in snapshot.lookups.themes.items()}
    cards = [
        build_card(
            match,
            url=course_url(match.row.url_path, request),
            theme_labels=theme_labels,
            language=language,
            now=now,
        )
        for match in page_obj.object_list
    ]
    lookups = snapshot.lookups
    groups = facet_groups(params, outcome.counts, themes=lookups.themes, partners=lookups.partners)

    suggestions = []
    if not matches and params.has_filters:

        def count_without(name: str) -> int:
            return len(results(catalogue, _selection_without(selection, name), params.sort, now)[1])

        suggestions = relaxations(params, links, count_without)

    return {
        "params": params,
        "form": {
            "q": params.typed.get("q", ""),
            "from": params.typed.get("from", ""),
            "to": params.typed.get("to", ""),
            "sort": params.sort,
        },
        "count": paginator.count,
        "page": page_obj,
        "cards": cards,
        "facets": groups,
        "active_filters": active_filters(params, groups, links),
        "has_filters": params.has_filters,
        "reset_url": links.reset,
        "sort_options": [(value, str(label), value == params.sort) for value, label in SORT_CHOICES],
        "pagination": _pagination(page_obj, links),
        "notices": notices,
        "suggestions": suggestions,
    }


def _pagination(page_obj, links: Links) -> dict:
    number = page_obj.number
    pages = []
    for item in page_obj.paginator.get_elided_page_range(number, on_each_side=2, on_ends=1):
        if isinstance(item, int):
            pages.append({"number": item, "url": links.page(item), "current": item == number})
        else:
            pages.append({"ellipsis": True})
    return {
        "has_other_pages": page_obj.has_other_pages(),
        "previous_url": links.page(number - 1) if page_obj.has_previous() else "",
        "next_url": links.page(number + 1) if page_obj.has_next() else "",
        "pages": pages,
        "number": number,
        "num_pages": page_obj.paginator.num_pages,
    }


def catalogue_session_ids(params: QueryDict, *, language: str, now: dt.datetime | None = None) -> list[int]:
    """Ids of upcoming scheduled sessions matching the listing's filters, by start date.

    Accepts the listing's query parameters (see ``courses.listing.filters``);
    ``sort`` and ``page`` are ignored. Used by ``/calendar/catalogue.ics``.
    """
    now = now or timezone.now()
    parsed, _notices = parse_params(params)
    snapshot = read_snapshot(language)
    catalogue = get_catalogue(language, snapshot.stamp)
    _params, selection, _more = resolve(parsed, snapshot.lookups, catalogue)
    outcome, _matches = results(catalogue, selection, SORT_NEXT, now)
    sessions = [s for match in outcome.matches for s in match.sessions]
    sessions.sort(key=lambda s: (s.starts_at, s.id))
    return [s.id for s in sessions]


def catalogue_matches(
    params: QueryDict, *, language: str, now: dt.datetime | None = None
) -> tuple[frozenset[str], frozenset[int] | None] | None:
    """Which courses and upcoming sessions the listing's filters in ``params`` keep.

    None when ``params`` narrow nothing (every course, every session; nothing is read).
    Otherwise the matching courses' translation keys, and the ids of their upcoming
    (not yet started) scheduled sessions that satisfy every session-level filter
    (``month``, ``from``/``to``, ``language``, ``price``, ``places``), or None in
    place of the ids when no session-level filter is active. Malformed values are
    ignored, as on the listing page.
    """
    parsed, _notices = parse_params(params)
    if not parsed.has_filters:
        return None
    now = now or timezone.now()
    snapshot = read_snapshot(language)
    catalogue = get_catalogue(language, snapshot.stamp)
    parsed, selection, _more = resolve(parsed, snapshot.lookups, catalogue)
    outcome, _matches = results(catalogue, selection, SORT_NEXT, now)
    keys = frozenset(match.row.key for match in outcome.matches)
    session_filtered = bool(
        parsed.months or parsed.date_from or parsed.date_to or parsed.languages or parsed.prices or parsed.places
    )
    if not session_filtered:
        return keys, None
    return keys, frozenset(session.id for match in outcome.matches for session in match.sessions)
