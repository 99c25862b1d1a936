"""The catalogue feed, written once and served from process memory until its data changes.

The whole catalogue feed is large (about 12 MB for 6,000 sessions) and
calendar applications poll it, so each process keeps the bodies it wrote,
keyed by everything the body depends on:

- the feed's language, the active language and the site's scheme and host
  (absolute course URLs);
- the ids of the sessions it lists (the listing's filters, and the passing
  of time: a session drops out once it has started);
- a version stamp of the data it is written from: one cheap query over
  sessions, slots, venues, live pages and sites (see ``data_version``);
- a counter of saves and deletions of those models made in this process,
  which sees what the stamp cannot (a venue renamed to a name of the same
  length, a slot edited without saving its session).

A change made by another process that the stamp cannot see still shows
within ``MAX_AGE``. Bodies of an older version are dropped when a newer one
is kept; the others are dropped least recently used first, to stay within
``MAX_BYTES``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from array import array
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.http import HttpRequest
from django.utils import timezone, translation
from wagtail.models import Page, Site

from courses import calendar
from courses.changes import local_changes
from courses.models import Session, TimetableSlot, Venue

#: A body is written again after this long, whatever the stamp says.
MAX_AGE = calendar.REFRESH_INTERVAL
#: Memory for the bodies of one process; a body larger than this is not kept.
MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class CachedFeed:
    """A written feed body, with its validators for conditional requests."""

    body: bytes
    etag: str  # weak: two bodies with the same ETag differ only by DTSTAMP
    written_at: dt.datetime  # also the feed's DTSTAMP and the response's Last-Modified


def _sql() -> str:
    quote = connection.ops.quote_name

    def table(model) -> str:
        return quote(model._meta.db_table)

    def col(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    def text(expression: str) -> str:
        return f"CAST({expression} AS TEXT)"

    def lengths(model, *names: str) -> str:
        return text("SUM(" + " + ".join(f"LENGTH({col(model, name)})" for name in names) + ")")

    count, ids = text("COUNT(*)"), text("SUM(id)")
    updated, sequences = text(f"MAX({col(Session, 'updated_at')})"), text(f"SUM({col(Session, 'schedule_sequence')})")
    published, live = text(f"MAX({col(Page, 'last_published_at')})"), col(Page, "live")
    roots, ports = text(f"SUM({col(Site, 'root_page')})"), text(f"SUM({col(Site, 'port')})")
    address = lengths(Venue, "name", "street_address", "postal_code", "city")
    # Only identifiers from model metadata are interpolated; the one value is a parameter.
    selects = [
        f"SELECT 'session', {count}, {ids}, {updated}, {sequences} FROM {table(Session)}",  # noqa: S608
        f"SELECT 'slot', {count}, {ids}, {text('MAX(id)')}, NULL FROM {table(TimetableSlot)}",  # noqa: S608
        f"SELECT 'venue', {count}, {ids}, {address}, NULL FROM {table(Venue)}",  # noqa: S608
        f"SELECT 'page', {count}, {ids}, {published}, {lengths(Page, 'url_path', 'title')}"  # noqa: S608
        f" FROM {table(Page)} WHERE {live} = %s",
        f"SELECT 'site', {count}, {roots}, {ports}, {lengths(Site, 'hostname')} FROM {table(Site)}",  # noqa: S608
    ]
    return " UNION ALL ".join(selects)


def data_version() -> tuple:
    """A fingerprint of the rows a catalogue feed is written from (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(_sql(), [True])
        return (connection.alias, connection.settings_dict.get("NAME"), *map(tuple, cursor.fetchall()))


# --- the bodies ------------------------------------------------------------------------------

_entries: OrderedDict[tuple, CachedFeed] = OrderedDict()
_lock = threading.Lock()


def clear() -> None:
    """Forget every kept body (tests, benchmarks)."""
    with _lock:
        _entries.clear()


def _key(*, session_ids: Sequence[int], request: HttpRequest, language: str) -> tuple:
    """What the body depends on: which feed (language, site, sessions), then the data's version."""
    ids = hashlib.blake2b(array("q", session_ids).tobytes(), digest_size=16).hexdigest()
    site = f"{request.scheme}://{request.get_host()}"
    return (language, translation.get_language(), site, ids, (data_version(), local_changes()))


def _keep(key: tuple, feed: CachedFeed) -> None:
    if len(feed.body) > MAX_BYTES:
        return
    with _lock:
        # Bodies written from an older version of the data will not be asked for again.
        for old_key in [old_key for old_key in _entries if old_key[-1] != key[-1]]:
            del _entries[old_key]
        _entries[key] = feed
        total = sum(len(entry.body) for entry in _entries.values())
        while total > MAX_BYTES:
            _old_key, dropped = _entries.popitem(last=False)
            total -= len(dropped.body)


def catalogue_feed(*, session_ids: Sequence[int], request: HttpRequest, language: str) -> CachedFeed:
    """The catalogue feed of ``session_ids`` in ``language``: kept, or written now and kept.

    One query when kept (``data_version``); the selectors' six more when not.
    Its ``DTSTAMP`` is when it was written.
    """
    key = _key(session_ids=session_ids, request=request, language=language)
    now = timezone.now()
    with _lock:
        feed = _entries.get(key)
        if feed is not None:
            _entries.move_to_end(key)
    if feed is not None and now - feed.written_at < MAX_AGE:
        return feed
    body = calendar.catalogue_calendar(session_ids=session_ids, request=request, language=language, stamp=now)
    etag = hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()
    feed = CachedFeed(body=body, etag=f'W/"{etag}"', written_at=now)
    _keep(key, feed)
    return feed
