"""Result cards: what the template shows for each course, built from rows without queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext, ngettext

from catalogue.choices import CourseFormat, CourseLevel, Language
from courses.availability import SessionState
from courses.listing.facets import Match
from courses.listing.rows import SessionRow

LANGUAGE_LABELS = dict(Language.choices)
FORMAT_LABELS = dict(CourseFormat.choices)
LEVEL_LABELS = dict(CourseLevel.choices)


@dataclass(frozen=True, slots=True)
class CardSession:
    """A session as a card shows it: when, where, and whether one can still enrol.

    The labels are made here rather than in the template: it is faster,
    and a card must render in constant time whatever the catalogue's size.
    """

    starts_at: dt.datetime
    date_label: str  # localized, Europe/Paris
    place_label: str  # the city, "Lyon and online", or "Online"
    state: SessionState
    places_left: int
    status_label: str  # "3 places left", "Full", "Enrolment closed"…

    @property
    def is_open(self) -> bool:
        return self.state == SessionState.OPEN


@dataclass(frozen=True, slots=True)
class Card:
    """One course in the results."""

    url: str
    locale: str  # language code of the page the card shows
    title: str
    summary: str
    themes: tuple[str, ...]
    format: str
    format_label: str
    level_label: str
    hours: Decimal | None
    hours_label: str  # "14 h", or ""
    languages: tuple[str, ...]  # labels
    taught_in: str  # label of the page's language when it differs from the visitor's, else ""
    next_session: CardSession | None
    more_sessions: int  # other matching upcoming sessions
    cancelled_session: CardSession | None  # an upcoming cancelled session worth mentioning
    price: Decimal | None
    price_label: str  # "from 900 € incl. tax", "Free", or ""

    @property
    def languages_label(self) -> str:
        return ", ".join(self.languages)

    @property
    def more_sessions_label(self) -> str:
        if not self.more_sessions:
            return ""
        return ngettext("(+%(n)s other date)", "(+%(n)s other dates)", self.more_sessions) % {"n": self.more_sessions}


def _amount(value: Decimal) -> str:
    """900 → "900", 1800 → "1 800" (grouped as the language does), 99.5 → "99,50"."""
    decimals = 0 if value == value.to_integral_value() else 2
    return number_format(value, decimal_pos=decimals, force_grouping=True)


def price_label(price: Decimal | None) -> str:
    if price is None:
        return ""
    if not price:
        return gettext("Free")
    return gettext("from %(amount)s € incl. tax") % {"amount": _amount(price)}


def hours_label(hours: Decimal | None) -> str:
    if not hours:
        return ""
    decimals = 0 if hours == hours.to_integral_value() else 1
    return gettext("%(hours)s h") % {"hours": number_format(hours, decimal_pos=decimals)}


def _place_label(session: SessionRow) -> str:
    if not session.city:
        return gettext("Online")
    if session.is_online:
        return gettext("%(city)s and online") % {"city": session.city}
    return session.city


def _card_session(session: SessionRow, now: dt.datetime) -> CardSession:
    state = session.state(now)
    if state == SessionState.OPEN:
        left = session.places_left
        status = ngettext("%(n)s place left", "%(n)s places left", left) % {"n": left}
    else:
        status = str(state.label)
    return CardSession(
        starts_at=session.starts_at,
        date_label=date_format(timezone.localtime(session.starts_at), "DATE_FORMAT"),
        place_label=_place_label(session),
        state=state,
        places_left=session.places_left,
        status_label=status,
    )


def build_card(
    match: Match,
    *,
    url: str,
    theme_labels: dict[str, str],
    language: str,
    now: dt.datetime,
) -> Card:
    """The card of a matching course; ``theme_labels`` maps theme keys to labels in ``language``."""
    row = match.row
    next_session = match.sessions[0] if match.sessions else None
    cancelled = next(
        (
            s
            for s in row.sessions
            if s.cancelled and s.starts_at >= now and (next_session is None or s.starts_at <= next_session.starts_at)
        ),
        None,
    )
    prices = [s.price for s in match.sessions if s.price is not None]
    price = min(prices) if prices else row.price_from
    return Card(
        url=url,
        locale=row.locale,
        title=row.title,
        summary=row.summary,
        themes=tuple(sorted(theme_labels[key] for key in row.theme_keys if key in theme_labels)),
        format=row.format,
        format_label=str(FORMAT_LABELS.get(row.format, row.format)),
        level_label=str(LEVEL_LABELS.get(row.level, row.level)),
        hours=row.hours,
        hours_label=hours_label(row.hours),
        languages=tuple(str(LANGUAGE_LABELS.get(code, code)) for code in row.languages),
        taught_in="" if row.locale == language else str(LANGUAGE_LABELS.get(row.locale, row.locale)),
        next_session=_card_session(next_session, now) if next_session else None,
        more_sessions=max(len(match.sessions) - 1, 0),
        cancelled_session=_card_session(cancelled, now) if cancelled else None,
        price=price,
        price_label=price_label(price),
    )
