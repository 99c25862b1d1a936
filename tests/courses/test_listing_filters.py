"""Parsing the listing's query parameters: what is kept, what is ignored and said so (no database)."""

import datetime as dt
from decimal import Decimal

from django.http import QueryDict

from courses.listing.filters import (
    DURATION_BUCKETS,
    PRICE_BUCKETS,
    SORT_NEXT,
    SORT_TITLE,
    bucket_for,
    parse_params,
)


def parse(query: str):
    return parse_params(QueryDict(query))


def test_repeatable_filters_are_kept_in_order_without_duplicates():
    params, notices = parse("theme=ia-frugale&theme=sante&theme=ia-frugale&format=online&format=blended")
    assert params.themes == ("ia-frugale", "sante")
    assert params.formats == ("online", "blended")
    assert notices == []


def test_unknown_choice_values_are_ignored_with_a_notice():
    params, notices = parse("format=online&format=hologram&level=guru&language=de")
    assert params.formats == ("online",)
    assert params.levels == ()
    assert params.languages == ()
    messages = " ".join(n.message for n in notices)
    assert "hologram" in messages and "guru" in messages and "de" in messages


def test_months_and_dates_are_validated():
    params, notices = parse("month=2027-03&month=2027-13&month=march&from=2027-02-30&to=2027-04-01")
    assert params.months == ("2027-03",)
    assert params.date_from is None
    assert params.date_to == dt.date(2027, 4, 1)
    assert len(notices) == 3


def test_a_reversed_date_range_is_swapped_and_said_so():
    params, notices = parse("from=2027-05-01&to=2027-03-01")
    assert (params.date_from, params.date_to) == (dt.date(2027, 3, 1), dt.date(2027, 5, 1))
    assert len(notices) == 1


def test_what_was_typed_is_kept_for_the_form_even_when_invalid():
    params, _notices = parse("q=++apprentissage++frugal&from=demain")
    assert params.q == "apprentissage frugal"
    assert params.typed["from"] == "demain"
    assert params.typed["q"] == "  apprentissage  frugal"


def test_sort_page_and_places_default_and_complain_when_wrong():
    params, notices = parse("sort=price&page=-2&places=yes")
    assert params.sort == SORT_NEXT
    assert params.page == 1
    assert params.places is False
    assert len(notices) == 3
    params, notices = parse("sort=title&page=3&places=1")
    assert (params.sort, params.page, params.places, notices) == (SORT_TITLE, 3, True, [])


def test_slugs_with_odd_characters_are_refused():
    params, notices = parse("theme=<script>&partner=ens-lyon")
    assert params.themes == ()
    assert params.partners == ("ens-lyon",)
    assert len(notices) == 1


def test_has_filters_counts_the_search_text_and_ignores_sort_and_page():
    assert parse("sort=title&page=2")[0].has_filters is False
    assert parse("q=vision")[0].has_filters is True
    assert parse("places=1")[0].has_filters is True


def test_price_buckets_have_clear_boundaries():
    cases = {"0": "free", "0.01": "under-500", "499.99": "under-500", "500": "500-1500", "1500": "500-1500"}
    cases["1500.01"] = "over-1500"
    for amount, key in cases.items():
        assert bucket_for(Decimal(amount), PRICE_BUCKETS) == key, amount
    assert bucket_for(None, PRICE_BUCKETS) is None


def test_duration_buckets_have_clear_boundaries():
    cases = {"3.5": "up-to-7h", "7": "up-to-7h", "7.5": "7-21h", "21": "7-21h", "35": "21-35h", "35.5": "over-35h"}
    for hours, key in cases.items():
        assert bucket_for(Decimal(hours), DURATION_BUCKETS) == key, hours
