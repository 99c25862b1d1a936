"""One query per request: the catalogue's version stamp, and the themes and partners.

The stamp is a cheap fingerprint of what the cached rows are built from
(sessions, price tiers, live pages); themes and partners are small and
read every time, so renaming one shows at once. Both come back from a
single ``UNION ALL`` query whose columns are all cast to text.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from wagtail.models import Locale, Page

from catalogue.models import Partner, Theme
from courses.models import PriceTier, Session


@dataclass(frozen=True)
class Lookups:
    """Themes and partners as the listing shows and filters them."""

    themes: dict[str, tuple[str, str]]  # Theme.translation_key -> (slug, name) in the visitor's language
    theme_keys_by_slug: dict[str, str]  # slug in any language -> translation_key
    partners: dict[int, tuple[str, str]]  # Partner.id -> (slug, display name)
    partner_ids_by_slug: dict[str, int]


@dataclass(frozen=True)
class Snapshot:
    stamp: tuple
    lookups: Lookups


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _sql() -> str:
    def text(expression: str) -> str:
        return f"CAST({expression} AS TEXT)"

    session, tier, page = _table(Session), _table(PriceTier), _table(Page)
    theme, locale, partner = _table(Theme), _table(Locale), _table(Partner)
    s_updated, s_taken = _column(Session, "updated_at"), _column(Session, "places_taken")
    p_live, p_published = _column(Page, "live"), _column(Page, "last_published_at")
    t_key, t_locale, t_slug, t_name = (_column(Theme, f) for f in ("translation_key", "locale", "slug", "name"))
    r_slug, r_name, r_short = (_column(Partner, f) for f in ("slug", "name", "short_name"))
    # Only identifiers from model metadata are interpolated; the one value is a parameter.
    return " UNION ALL ".join(
        [
            f"SELECT 'session', {text('COUNT(*)')}, {text(f'MAX({s_updated})')}, {text(f'SUM({s_taken})')},"  # noqa: S608
            f" {text('SUM(id)')} FROM {session}",
            f"SELECT 'tier', {text('COUNT(*)')}, {text('SUM(id)')}, NULL, NULL FROM {tier}",  # noqa: S608
            f"SELECT 'page', {text('COUNT(*)')}, {text(f'MAX({p_published})')}, {text('SUM(id)')}, NULL"  # noqa: S608
            f" FROM {page} WHERE {p_live} = %s",
            f"SELECT 'theme', {text(f't.{t_key}')}, l.language_code, t.{t_slug}, t.{t_name}"  # noqa: S608
            f" FROM {theme} t INNER JOIN {locale} l ON l.id = t.{t_locale}",
            f"SELECT 'partner', {text('id')}, {r_slug}, {r_name}, {r_short} FROM {partner}",  # noqa: S608
        ]
    )


def read_snapshot(language: str) -> Snapshot:
    """The version stamp and the lookups in ``language`` (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(_sql(), [True])
        records = cursor.fetchall()
    stamp = [connection.alias, connection.settings_dict.get("NAME")]
    preference = {language: 0, settings.LANGUAGE_CODE: 1}
    themes: dict[str, tuple[int, str, str]] = {}
    by_slug: dict[str, str] = {}
    partners: dict[int, tuple[str, str]] = {}
    for kind, a, b, c, d in records:
        if kind == "theme":
            key = str(uuid.UUID(a))
            rank = preference.get(b, 2)
            if key not in themes or rank < themes[key][0]:
                themes[key] = (rank, c, d)
            by_slug.setdefault(c, key)
        elif kind == "partner":
            partners[int(a)] = (b, d or c)
        else:
            stamp.append((kind, a, b, c, d))
    return Snapshot(
        stamp=tuple(stamp),
        lookups=Lookups(
            themes={key: (slug, name) for key, (_rank, slug, name) in themes.items()},
            theme_keys_by_slug=by_slug,
            partners=partners,
            partner_ids_by_slug={slug: pk for pk, (slug, _label) in partners.items()},
        ),
    )
