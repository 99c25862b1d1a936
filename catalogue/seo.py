"""schema.org JSON-LD for the public pages.

The builders return plain dicts; ``jsonld_script`` serialises one into a
``<script type="application/ld+json">`` that cannot be closed early by any
text an editor typed.

Sessions are passed in by the templates (see ``courses.templatetags``) and
read only through their attributes: the catalogue never imports ``courses``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from decimal import Decimal
from html import unescape as unescape_entities
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

SCHEMA = "https://schema.org"
PARIS = ZoneInfo("Europe/Paris")

# schema.org ItemAvailability for each session state (courses.availability.SessionState values).
AVAILABILITY = {
    "open": f"{SCHEMA}/InStock",
    "full": f"{SCHEMA}/SoldOut",
    "upcoming": f"{SCHEMA}/PreOrder",
    "closed": f"{SCHEMA}/OutOfStock",
    "running": f"{SCHEMA}/OutOfStock",
    "finished": f"{SCHEMA}/Discontinued",
    "cancelled": f"{SCHEMA}/Discontinued",
}

# Escape the characters that could end the script element or open a comment,
# as Django's json_script does.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}
_LIST_ITEM = re.compile(r"<li[^>]*>(.*?)</li>", re.IGNORECASE | re.DOTALL)


def jsonld_script(data: dict[str, Any]) -> SafeString:
    """Serialise ``data`` into a JSON-LD script element, safe to inline in HTML."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')  # noqa: S308 (escaped above)


def plain_text(html: str) -> str:
    """Rich text as one line of plain text."""
    return " ".join(unescape_entities(strip_tags(html or "")).split())


def text_items(html: str) -> list[str]:
    """The items of a rich-text list, or the whole text as a single item."""
    items = [plain_text(item) for item in _LIST_ITEM.findall(html or "")]
    items = [item for item in items if item]
    if items:
        return items
    text = plain_text(html)
    return [text] if text else []


def iso_duration(hours: Decimal | float | None) -> str | None:
    """An ISO 8601 duration for a number of hours: 14 -> "PT14H", 3.5 -> "PT3H30M"."""
    if not hours:
        return None
    minutes = int(round(Decimal(hours) * 60))
    whole_hours, rest = divmod(minutes, 60)
    return "PT" + (f"{whole_hours}H" if whole_hours else "") + (f"{rest}M" if rest else "")


def iso_datetime(value: dt.datetime) -> str:
    """A timezone-aware datetime in Paris time, with its UTC offset."""
    return value.astimezone(PARIS).isoformat()


def organisation() -> dict[str, Any]:
    """The training provider."""
    return {
        "@type": "Organization",
        "name": settings.ALLYS_ORGANISATION_NAME,
        "url": settings.ALLYS_ORGANISATION_URL,
    }


def organisation_jsonld() -> dict[str, Any]:
    """The provider as a standalone JSON-LD document (home page)."""
    return {"@context": SCHEMA, **organisation(), "@type": "EducationalOrganization"}


def course_jsonld(
    page: Any, sessions: Iterable[Any] = (), *, url: str, image_url: str | None = None, now: dt.datetime | None = None
) -> dict[str, Any]:
    """A schema.org ``Course`` for a course page and its sessions to come.

    ``url`` is the page's absolute URL. Cancelled sessions and sessions that
    have already started are left out of ``hasCourseInstance``.
    """
    now = now or timezone.now()
    data: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "Course",
        "name": page.title,
        "description": page.search_description or page.summary,
        "url": url,
        "provider": organisation(),
        "educationalLevel": str(page.get_level_display()),
    }
    if page.languages:
        data["inLanguage"] = page.languages[0] if len(page.languages) == 1 else list(page.languages)
    if teaches := text_items(page.objectives):
        data["teaches"] = teaches
    if prerequisites := plain_text(page.prerequisites):
        data["coursePrerequisites"] = prerequisites
    if workload := iso_duration(page.total_hours):
        data["timeRequired"] = workload
    if image_url:
        data["image"] = image_url
    if page.certification_title:
        data["educationalCredentialAwarded"] = credential(page)
    if page.price_from is not None:
        data["offers"] = [offer(amount=page.price_from, category="Paid", availability=f"{SCHEMA}/InStock", url=url)]
    instances = [
        course_instance(session, url=url, now=now)
        for session in sessions
        if session.starts_at > now and session.state(now) != "cancelled"
    ]
    if instances:
        data["hasCourseInstance"] = instances
    return data


def credential(page: Any) -> dict[str, Any]:
    """The certification a course leads to (RNCP or RS)."""
    data: dict[str, Any] = {
        "@type": "EducationalOccupationalCredential",
        "name": page.certification_title,
        "credentialCategory": "certification",
    }
    if page.certification_code:
        data["identifier"] = page.certification_code
    if page.certifier:
        data["recognizedBy"] = {"@type": "Organization", "name": page.certifier}
    return data


def course_mode(session: Any) -> str:
    """schema.org courseMode: "onsite", "online" or "blended"."""
    if session.is_online and session.venue_id:
        return "blended"
    return "online" if session.is_online else "onsite"


def location(session: Any, *, url: str) -> dict[str, Any] | list[dict[str, Any]]:
    """A Place with its postal address, a VirtualLocation, or both."""
    places: list[dict[str, Any]] = []
    if session.venue_id:
        venue = session.venue
        places.append(
            {
                "@type": "Place",
                "name": venue.name,
                "address": {
                    "@type": "PostalAddress",
                    "streetAddress": venue.street_address,
                    "postalCode": venue.postal_code,
                    "addressLocality": venue.city,
                    "addressCountry": "FR",
                },
            }
        )
    if session.is_online:
        places.append({"@type": "VirtualLocation", "url": url})
    return places[0] if len(places) == 1 else places


def schedule(slots: list[Any]) -> dict[str, Any] | None:
    """A Schedule for day slots that all share the same times, else None."""
    if not slots or len({(slot.start_time, slot.end_time) for slot in slots}) != 1:
        return None
    first = slots[0]
    return {
        "@type": "Schedule",
        "startDate": min(slot.date for slot in slots).isoformat(),
        "endDate": max(slot.date for slot in slots).isoformat(),
        "startTime": first.start_time.strftime("%H:%M"),
        "endTime": first.end_time.strftime("%H:%M"),
        "duration": iso_duration(first.hours),
        "repeatCount": len(slots),
        "scheduleTimezone": "Europe/Paris",
    }


def offer(*, amount: Decimal, category: str, availability: str, url: str, tax_included: bool = True) -> dict:
    """A schema.org Offer in euros."""
    price = f"{amount:.2f}"
    return {
        "@type": "Offer",
        "price": price,
        "priceCurrency": "EUR",
        "category": category,
        "availability": availability,
        "url": url,
        "priceSpecification": {
            "@type": "PriceSpecification",
            "price": price,
            "priceCurrency": "EUR",
            "valueAddedTaxIncluded": tax_included,
        },
    }


def course_instance(session: Any, *, url: str, now: dt.datetime) -> dict[str, Any]:
    """One dated run of the course, with its place, workload and offers."""
    slots = list(session.slots.all())
    session_url = f"{url}#session-{session.code}"
    availability = AVAILABILITY.get(str(session.state(now)), f"{SCHEMA}/OutOfStock")
    data: dict[str, Any] = {
        "@type": "CourseInstance",
        "identifier": session.code,
        "courseMode": course_mode(session),
        "startDate": iso_datetime(session.starts_at),
        "endDate": iso_datetime(session.ends_at),
        "location": location(session, url=session_url),
        "offers": [
            offer(
                amount=tier.amount,
                category=str(tier.get_kind_display()),
                availability=availability,
                url=session_url,
                tax_included=tier.tax_included,
            )
            for tier in session.price_tiers.all()
        ],
    }
    if session.languages:
        data["inLanguage"] = session.languages[0] if len(session.languages) == 1 else list(session.languages)
    if workload := iso_duration(sum((slot.hours for slot in slots), Decimal(0))):
        data["courseWorkload"] = workload
    if course_schedule := schedule(slots):
        data["courseSchedule"] = course_schedule
    return data
