"""The public, read-only catalogue API: programmes, themes, partners, trainers, courses, sessions.

Live pages only, in the request's language (``Accept-Language``; French by
default), each course shown through its page in that language when one is
live. Courses and sessions come from the listing's cached rows (see
``courses.listing``): a list costs the listing's version-stamp query, one
query for the shown courses' texts and images, one for those images'
renditions and two for their sessions' codes and price tiers, whatever the
size of the catalogue. Images are shown through the renditions the website's
pages use; a rendition missing yet is made on first request (a write).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from wagtail.images import get_image_model
from wagtail.images.models import SourceImageIOError

from api import catalogue_serializers as out
from api.catalogue_filters import (
    COURSE_ORDERINGS,
    FILTER_PARAMETERS,
    SESSION_ORDERINGS,
    filter_catalogue,
    ordering_parameter,
    validate_query,
)
from api.conditional import ConditionalGetMixin, Validators, make_etag
from api.error_schema import errors
from catalogue.models import CoursePage, Partner, ProgrammePage, Theme, Trainer
from courses.listing.context import active_language, course_url
from courses.listing.rows import CourseRow, SessionRow, get_catalogue
from courses.listing.snapshot import Snapshot, read_snapshot
from courses.models import PriceTier, Session

ERRORS = errors(
    400,
    404,
    e400=_("A query parameter is malformed."),
    e404=_("Not found (or a page beyond the last)."),
)
NOT_MODIFIED = {304: OpenApiResponse(description=str(_("Not modified since the ETag or date given.")))}

# The renditions the website shows (templates/catalogue/*.html, includes/partner_group.html),
# so API clients reuse the files the pages already made.
COURSE_IMAGE = "fill-800x450"
PARTNER_LOGO = "max-200x80"
TRAINER_PHOTO = "fill-96x96"


# --- shared ----------------------------------------------------------------


def _slug(row: CourseRow) -> str:
    return row.url_path.rstrip("/").rsplit("/", 1)[-1]


def _last_modified(snapshot: Snapshot) -> dt.datetime | None:
    """The newest session change or page publication, read from the listing's version stamp."""
    moments = []
    for entry in snapshot.stamp:
        if isinstance(entry, tuple) and entry[0] in ("session", "page") and entry[2]:
            moment = parse_datetime(str(entry[2]).replace(" ", "T", 1))
            if moment is not None:
                moments.append(moment if timezone.is_aware(moment) else timezone.make_aware(moment, dt.UTC))
    return max(moments, default=None)


def _prefetch_renditions(images: Iterable, *specs: str) -> None:
    """Fetch the existing renditions (of these filter specs) of the shown ``images``, None skipped, in one query."""
    renditions = get_image_model().get_rendition_model().objects.filter(filter_spec__in=specs)
    prefetch_related_objects(
        [image for image in images if image is not None],
        Prefetch("renditions", queryset=renditions, to_attr="prefetched_renditions"),
    )


def _image(image, spec: str, request) -> dict | None:
    """The ``spec`` rendition of ``image`` (made, a write, if it is missing), or None without an image."""
    if image is None:
        return None
    try:
        rendition = image.get_rendition(spec)
    except SourceImageIOError:
        # The original file is gone: no picture rather than a broken link or an error.
        return None
    return {
        "url": request.build_absolute_uri(rendition.url),
        "width": rendition.width,
        "height": rendition.height,
        "alt": image.default_alt_text,
    }


def _validators(request, snapshot: Snapshot, language: str) -> Validators:
    lookups = snapshot.lookups
    etag = make_etag(
        snapshot.stamp,
        sorted(lookups.themes.items()),
        sorted(lookups.partners.items()),
        language,
        request.path,
        sorted(request.query_params.lists()),
    )
    return Validators(etag=etag, last_modified=_last_modified(snapshot))


class _Sessions:
    """Codes, capacities and price tiers of the sessions shown (two queries for any number)."""

    def __init__(self, ids: list[int]):
        self.codes = dict.fromkeys(ids)
        self.tiers: dict[int, list[PriceTier]] = defaultdict(list)
        if ids:
            self.codes = {
                pk: (code, cap)
                for pk, code, cap in Session.objects.filter(id__in=ids).values_list("id", "code", "capacity")
            }
            for tier in PriceTier.objects.filter(session_id__in=ids).order_by("session_id", "kind"):
                self.tiers[tier.session_id].append(tier)

    def summary(self, session: SessionRow, now: dt.datetime) -> dict:
        code, capacity = self.codes[session.id]
        return {
            "code": code,
            "starts_at": session.times.starts_at,
            "ends_at": session.times.ends_at,
            "status": "cancelled" if session.cancelled else "scheduled",
            "state": session.state(now),
            "places_left": session.places_left,
            "capacity": capacity,
            "languages": sorted(session.languages),
            "is_online": session.is_online,
            "city": session.city,
            "enrolment_closes_at": session.times.enrolment_closes_at,
            "prices": [_price(tier) for tier in self.tiers.get(session.id, ())],
        }


def _price(tier: PriceTier) -> dict:
    return {
        "kind": tier.kind,
        "amount_incl_tax": tier.amount_incl_tax,
        "amount_excl_tax": tier.amount_excl_tax,
        "vat_rate": tier.effective_vat_rate,
        "vat_exempt": tier.vat_exempt,
        "currency": tier.currency,
    }


def _upcoming(row: CourseRow, now: dt.datetime) -> list[SessionRow]:
    return [s for s in row.sessions if not s.cancelled and s.starts_at >= now]


def _course_item(row, page: CoursePage | None, sessions: _Sessions, snapshot: Snapshot, request, now) -> dict:
    lookups = snapshot.lookups
    themes = sorted((lookups.themes[key] for key in row.theme_keys if key in lookups.themes), key=lambda t: t[1])
    partners = sorted((lookups.partners[pk] for pk in row.partner_ids if pk in lookups.partners), key=lambda p: p[1])
    return {
        "slug": _slug(row),
        "title": row.title,
        "language": row.locale,
        "url": request.build_absolute_uri(course_url(row.url_path, request)),
        "summary": row.summary,
        "objectives": page.objectives if page else "",
        "hours": row.hours,
        "format": row.format,
        "level": row.level,
        "languages": list(row.languages),
        "themes": [{"slug": slug, "name": name} for slug, name in themes],
        "partners": [{"slug": slug, "name": name} for slug, name in partners],
        "price_from": row.price_from,
        "sessions": [sessions.summary(session, now) for session in _upcoming(row, now)],
        "image": _image(page.image if page else None, COURSE_IMAGE, request),
    }


class JSONOnly(BaseContentNegotiation):
    """Always JSON: ``format`` is a catalogue filter here, not DRF's format override."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class CataloguePaginationMixin:
    """JSON only, and pagination over plain lists (the language comes from ``api.middleware``)."""

    content_negotiation_class = JSONOnly

    def paged(self, items: list):
        page = self.paginate_queryset(items)
        return page if page is not None else items


# --- courses and sessions ----------------------------------------------------


@extend_schema(
    tags=["catalogue"],
    summary="Courses",
    description=str(
        _("Live courses with their upcoming sessions, places left and prices per tier, filtered like /formations/.")
    ),
    parameters=[
        *FILTER_PARAMETERS,
        ordering_parameter(COURSE_ORDERINGS, _("next: next session first (default); title.")),
    ],
    responses={200: out.CourseSerializer(many=True), **NOT_MODIFIED, **ERRORS},
)
class CourseList(ConditionalGetMixin, CataloguePaginationMixin, generics.ListAPIView):
    serializer_class = out.CourseSerializer
    queryset = CoursePage.objects.none()

    def list(self, request, *args, **kwargs):
        ordering = validate_query(request.query_params, orderings=COURSE_ORDERINGS)
        language = active_language()
        snapshot = read_snapshot(language)
        not_modified = self.conditional_precheck(_validators(request, snapshot, language))
        if not_modified is not None:
            return not_modified
        found = filter_catalogue(request.query_params, language=language, ordering=ordering, snapshot=snapshot)
        rows = [match.row for match in self.paged(found.matches)]
        shown = CoursePage.objects.filter(id__in=[row.page_id for row in rows]).select_related("image")
        pages = {page.id: page for page in shown.only("id", "objectives", "image")}
        _prefetch_renditions([page.image for page in pages.values()], COURSE_IMAGE)
        sessions = _Sessions([s.id for row in rows for s in _upcoming(row, found.now)])
        data = [_course_item(row, pages.get(row.page_id), sessions, snapshot, request, found.now) for row in rows]
        return self.get_paginated_response(self.get_serializer(data, many=True).data)


_DETAIL_FIELDS = (
    "id",
    "objectives",
    "audience",
    "prerequisites",
    "teaching_methods",
    "assessment_methods",
    "access_modalities",
    "access_delay_days",
    "accessibility",
    "contact_name",
    "contact_email",
    "contact_phone",
    "pricing_note",
    "certification_title",
    "certification_code",
    "satisfaction_rate",
    "completion_rate",
)


@extend_schema(
    tags=["catalogue"],
    summary="Course",
    description=str(_("One live course (by the slug of any of its translations), with the course sheet and trainers.")),
    parameters=[OpenApiParameter("slug", str, OpenApiParameter.PATH, pattern=r"^[-a-zA-Z0-9_]+$")],
    responses={200: out.CourseDetailSerializer, **NOT_MODIFIED, **ERRORS},
)
class CourseDetail(ConditionalGetMixin, CataloguePaginationMixin, generics.RetrieveAPIView):
    serializer_class = out.CourseDetailSerializer
    queryset = CoursePage.objects.none()
    lookup_field = "slug"

    def retrieve(self, request, *args, **kwargs):
        language = active_language()
        snapshot = read_snapshot(language)
        catalogue = get_catalogue(language, snapshot.stamp)
        # The trainers are not in the version stamp: the ETag is the body's hash.
        self.conditional_precheck(Validators(etag=None, last_modified=_last_modified(snapshot)))
        keys = {
            str(k)
            for k in CoursePage.objects.live().filter(slug=kwargs["slug"]).values_list("translation_key", flat=True)
        }
        row = next((row for row in catalogue.rows if row.key in keys), None)
        if row is None:
            raise NotFound(_("There is no published course with this slug."))
        page = CoursePage.objects.filter(id=row.page_id).select_related("image").only(*_DETAIL_FIELDS, "image").get()
        trainers = list(
            Trainer.objects.filter(courses__id=row.page_id).select_related("organisation", "photo").order_by("name")
        )
        _prefetch_renditions([page.image, *(trainer.photo for trainer in trainers)], COURSE_IMAGE, TRAINER_PHOTO)
        now = timezone.now()
        item = _course_item(row, page, _Sessions([s.id for s in _upcoming(row, now)]), snapshot, request, now)
        item |= {
            name: getattr(page, name) for name in _DETAIL_FIELDS if name != "id" and not name.startswith("contact_")
        }
        item["contact"] = {"name": page.contact_name, "email": page.contact_email, "phone": page.contact_phone}
        item["trainers"] = [_trainer(trainer, request) for trainer in trainers]
        return Response(self.get_serializer(item).data)


@extend_schema(
    tags=["catalogue"],
    summary="Sessions",
    description=str(
        _("Upcoming scheduled sessions of live courses; session filters must hold for the session itself.")
    ),
    parameters=[*FILTER_PARAMETERS, ordering_parameter(SESSION_ORDERINGS, _("starts_at (default) or -starts_at."))],
    responses={200: out.SessionSerializer(many=True), **NOT_MODIFIED, **ERRORS},
)
class SessionList(ConditionalGetMixin, CataloguePaginationMixin, generics.ListAPIView):
    serializer_class = out.SessionSerializer
    queryset = Session.objects.none()

    def list(self, request, *args, **kwargs):
        ordering = validate_query(request.query_params, orderings=SESSION_ORDERINGS)
        language = active_language()
        snapshot = read_snapshot(language)
        not_modified = self.conditional_precheck(_validators(request, snapshot, language))
        if not_modified is not None:
            return not_modified
        found = filter_catalogue(request.query_params, language=language, ordering="next", snapshot=snapshot)
        pairs = [(match.row, session) for match in found.matches for session in match.sessions]
        pairs.sort(key=lambda pair: (pair[1].starts_at, pair[1].id), reverse=ordering.startswith("-"))
        pairs = self.paged(pairs)
        sessions = _Sessions([session.id for _row, session in pairs])
        data = [
            sessions.summary(session, found.now)
            | {
                "course": {
                    "slug": _slug(row),
                    "title": row.title,
                    "url": request.build_absolute_uri(course_url(row.url_path, request)),
                }
            }
            for row, session in pairs
        ]
        return self.get_paginated_response(self.get_serializer(data, many=True).data)


@extend_schema(
    tags=["catalogue"],
    summary="Session",
    description=str(_("One session of a live course, by its code (past sessions too).")),
    parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH, pattern=r"^[-A-Za-z0-9_]+$")],
    responses={200: out.SessionSerializer, **NOT_MODIFIED, **ERRORS},
)
class SessionDetail(ConditionalGetMixin, CataloguePaginationMixin, generics.RetrieveAPIView):
    serializer_class = out.SessionSerializer
    queryset = Session.objects.none()
    lookup_field = "code"

    def retrieve(self, request, *args, **kwargs):
        language = active_language()
        snapshot = read_snapshot(language)
        not_modified = self.conditional_precheck(_validators(request, snapshot, language))
        if not_modified is not None:
            return not_modified
        catalogue = get_catalogue(language, snapshot.stamp)
        rows = {row.key: row for row in catalogue.rows}
        session = (
            Session.objects.select_related("venue", "course")
            .prefetch_related("price_tiers")
            .filter(code=kwargs["code"])
            .first()
        )
        row = rows.get(str(session.course.translation_key)) if session else None
        if row is None:
            raise NotFound(_("There is no session with this code in the published catalogue."))
        now = timezone.now()
        data = {
            "code": session.code,
            "starts_at": session.starts_at,
            "ends_at": session.ends_at,
            "status": session.status,
            "state": session.state(now),
            "places_left": session.places_left,
            "capacity": session.capacity,
            "languages": sorted(session.languages or row.languages),
            "is_online": session.is_online,
            "city": session.venue.city if session.venue else "",
            "enrolment_closes_at": session.effective_enrolment_closes_at,
            "prices": [_price(tier) for tier in sorted(session.price_tiers.all(), key=lambda t: t.kind)],
            "course": {
                "slug": _slug(row),
                "title": row.title,
                "url": request.build_absolute_uri(course_url(row.url_path, request)),
            },
        }
        return Response(self.get_serializer(data).data)


# --- programmes, themes, partners, trainers ------------------------------------------


def _in_language(objects, language: str) -> list:
    """One object per translation key: the one in ``language``, else French, else the first."""
    by_key: dict = {}
    preference = {language: 0, settings.LANGUAGE_CODE: 1}
    for obj in objects:
        rank = preference.get(obj.locale.language_code, 2)
        if obj.translation_key not in by_key or rank < by_key[obj.translation_key][0]:
            by_key[obj.translation_key] = (rank, obj)
    return [obj for _rank, obj in by_key.values()]


def _trainer(trainer: Trainer, request) -> dict:
    return {
        "id": trainer.pk,
        "name": trainer.name,
        "job_title": trainer.job_title,
        "organisation": trainer.organisation.slug if trainer.organisation else None,
        "qualifications": trainer.qualifications,
        "photo": _image(trainer.photo, TRAINER_PHOTO, request),
    }


def _partner(partner: Partner, request) -> dict:
    return {
        "slug": partner.slug,
        "name": partner.name,
        "short_name": partner.short_name,
        "kind": partner.kind,
        "website": partner.website,
        "description": partner.description,
        "is_lead": partner.is_lead,
        "logo": _image(partner.logo, PARTNER_LOGO, request),
    }


def _small_list(summary: str, serializer):
    return extend_schema(
        tags=["catalogue"], summary=summary, responses={200: serializer(many=True), **NOT_MODIFIED, **ERRORS}
    )


@_small_list("Programmes", out.ProgrammeSerializer)
class ProgrammeList(ConditionalGetMixin, CataloguePaginationMixin, generics.ListAPIView):
    serializer_class = out.ProgrammeSerializer
    queryset = ProgrammePage.objects.none()

    def list(self, request, *args, **kwargs):
        pages = (
            ProgrammePage.objects.live()
            .select_related("locale")
            .prefetch_related("themes", "partners")
            .order_by("path")
        )
        programmes = sorted(_in_language(pages, active_language()), key=lambda page: page.path)
        newest = max((p.last_published_at for p in programmes if p.last_published_at), default=None)
        self.conditional_precheck(Validators(etag=None, last_modified=newest))
        data = [
            {
                "slug": page.slug,
                "title": page.title,
                "language": page.locale.language_code,
                "url": request.build_absolute_uri(course_url(page.url_path, request)),
                "intro": page.intro,
                "starts_year": page.starts_year,
                "ends_year": page.ends_year,
                "themes": sorted({theme.slug for theme in page.themes.all()}),
                "partners": sorted(partner.slug for partner in page.partners.all()),
                "last_published_at": page.last_published_at,
            }
            for page in self.paged(programmes)
        ]
        return self.get_paginated_response(self.get_serializer(data, many=True).data)


@_small_list("Themes", out.ThemeSerializer)
class ThemeList(ConditionalGetMixin, CataloguePaginationMixin, generics.ListAPIView):
    serializer_class = out.ThemeSerializer
    queryset = Theme.objects.none()

    def list(self, request, *args, **kwargs):
        themes = sorted(_in_language(Theme.objects.select_related("locale"), active_language()), key=lambda t: t.name)
        data = [{"slug": t.slug, "name": t.name, "summary": t.summary} for t in self.paged(themes)]
        return self.get_paginated_response(self.get_serializer(data, many=True).data)


@_small_list("Partners", out.PartnerSerializer)
class PartnerList(ConditionalGetMixin, CataloguePaginationMixin, generics.ListAPIView):
    serializer_class = out.PartnerSerializer
    queryset = Partner.objects.order_by("-is_lead", "name", "id")

    def list(self, request, *args, **kwargs):
        partners = self.paged(list(self.get_queryset().select_related("logo")))
        _prefetch_renditions([partner.logo for partner in partners], PARTNER_LOGO)
        data = [_partner(partner, request) for partner in partners]
        return self.get_paginated_response(self.get_serializer(data, many=True).data)


@_small_list("Trainers", out.TrainerSerializer)
class TrainerList(ConditionalGetMixin, CataloguePaginationMixin, generics.ListAPIView):
    serializer_class = out.TrainerSerializer
    queryset = Trainer.objects.none()

    def list(self, request, *args, **kwargs):
        # Only people who teach a published course are public.
        live_ids = CoursePage.objects.live().values("id")
        trainers = (
            Trainer.objects.filter(courses__in=live_ids)
            .distinct()
            .select_related("organisation", "photo")
            .order_by("name", "id")
        )
        trainers = self.paged(list(trainers))
        _prefetch_renditions([trainer.photo for trainer in trainers], TRAINER_PHOTO)
        data = [_trainer(trainer, request) for trainer in trainers]
        return self.get_paginated_response(self.get_serializer(data, many=True).data)
