"""Sessions and venues in the Wagtail admin, grouped in a "Sessions" menu.

Only programme managers (and superusers) hold the ``courses`` model
permissions, so only they see the menu and reach these views.

Apps above this one (enrolments, lms) add columns to the session list and
panels to the session editor through the ``register_session_admin_extras``
hook, so that this app never imports them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.admin.utils import quote
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.panels import Panel
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from courses.filters import SessionFilterSet
from courses.models import Session, Venue

SESSION_ADMIN_EXTRAS_HOOK = "register_session_admin_extras"


@dataclass(frozen=True)
class SessionAdminExtras:
    """What a ``register_session_admin_extras`` hook function returns: list columns and editor panels to add."""

    list_columns: tuple[Column, ...] = ()
    panels: tuple[Panel, ...] = ()


def session_admin_extras() -> list[SessionAdminExtras]:
    return [register() for register in hooks.get_hooks(SESSION_ADMIN_EXTRAS_HOOK)]


def _short_date(value) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATE_FORMAT")


def session_dates(session: Session) -> str:
    """Start and end dates, e.g. 29/03/2027 – 31/03/2027, in the admin locale (Europe/Paris)."""
    return f"{_short_date(session.starts_at)} – {_short_date(session.ends_at)}"


def session_place(session: Session) -> str:
    """The venue's city, "Online", or both for blended sessions."""
    parts = []
    if session.venue_id:
        parts.append(session.venue.city)
    if session.is_online:
        parts.append(gettext("Online"))
    return " + ".join(parts)


def session_places(session: Session) -> str:
    """Places left over capacity, e.g. "3/12"."""
    return f"{session.places_left}/{session.capacity}"


def session_state(session: Session) -> str:
    return str(session.state().label)


class SessionIndexView(generic.IndexView):
    """The session list: one query for the rows, whatever their number."""

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("course", "venue")


class SessionCreateView(generic.CreateView):
    """Accepts ``?course=<page id>`` to prefill the course (from the course editor)."""

    def get_initial(self):
        initial = super().get_initial()
        course_id = self.request.GET.get("course", "")
        if course_id.isdigit():
            initial["course"] = int(course_id)
        return initial


class SessionDeleteView(generic.DeleteView):
    """Refuses to delete a session whose places are taken, with a clear message."""

    def _refusal(self):
        messages.error(
            self.request,
            ngettext(
                "Session %(code)s cannot be deleted: %(count)s place is taken. Cancel it instead.",
                "Session %(code)s cannot be deleted: %(count)s places are taken. Cancel it instead.",
                self.object.places_taken,
            )
            % {"code": self.object.code, "count": self.object.places_taken},
        )
        return redirect(reverse(self.edit_url_name, args=(quote(self.object.pk),)))

    # get/post run after the permission check done in dispatch.
    def get(self, request, *args, **kwargs):
        if self.object.places_taken > 0:
            return self._refusal()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.object.places_taken > 0:
            return self._refusal()
        return super().post(request, *args, **kwargs)


class SessionViewSet(ModelViewSet):
    model = Session
    name = "sessions"
    icon = "date"
    menu_label = _("Sessions")
    menu_order = 100
    index_view_class = SessionIndexView
    add_view_class = SessionCreateView
    delete_view_class = SessionDeleteView
    copy_view_enabled = False
    list_per_page = 50
    ordering = ["starts_at", "code"]
    filterset_class = SessionFilterSet
    search_fields = ["code", "course__title"]
    search_backend_name = None
    list_display = [
        "code",
        "course",
        Column("dates", label=_("Dates"), accessor=session_dates, sort_key="starts_at"),
        Column("place", label=_("Place"), accessor=session_place),
        Column("places", label=_("Places left"), accessor=session_places),
        "status",
        Column("state", label=_("State"), accessor=session_state),
    ]
    list_export = ["code", "course", "starts_at", "ends_at", "capacity", "places_taken", "status"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The admin builds its viewsets once every app registered its hooks.
        extras = session_admin_extras()
        self.list_display = [*self.list_display, *(column for extra in extras for column in extra.list_columns)]
        if extra_panels := [panel for extra in extras for panel in extra.panels]:
            self.panels = [*Session.panels, *extra_panels]


class VenueViewSet(ModelViewSet):
    model = Venue
    name = "venues"
    icon = "site"
    menu_label = _("Venues")
    menu_order = 200
    list_display = ["name", "city", "postal_code"]
    search_fields = ["name", "city"]
    search_backend_name = None
    ordering = ["city", "name"]
    copy_view_enabled = False


class SessionsMenu(ModelViewSetGroup):
    menu_label = _("Sessions")
    menu_icon = "date"
    menu_order = 250
    items = (SessionViewSet, VenueViewSet)


@hooks.register("register_admin_viewset")
def register_sessions_menu():
    return SessionsMenu()
