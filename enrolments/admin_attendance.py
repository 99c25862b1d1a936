"""The attendance register (feuille d'émargement) in the Wagtail admin.

One page per session, ``/admin/attendance/<session code>/``, for users holding
``enrolments.record_attendance`` (programme managers, superusers): a table
with one row per expected learner and one select per timetable slot. "Save"
posts every cell to ``services.attendance.record_attendance``; a refusal shows
its message and keeps what was typed, since the service saves all or nothing.
``?format=csv`` downloads the register for the paper trail.

The page has no menu item: it is reached from the session list (a column) and
the session editor (a panel), added through the ``register_session_admin_extras``
hook so that the courses app never imports this one. Wagtail offers no hook
for the header buttons of a ModelViewSet edit view.
"""

from __future__ import annotations

import csv
import re
from decimal import Decimal

from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.panels import Panel
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton

from courses.models import Session, TimetableSlot
from courses.wagtail_hooks import SESSION_ADMIN_EXTRAS_HOOK, SessionAdminExtras, session_dates
from enrolments.models import AttendanceStatus, Enrolment
from enrolments.services.attendance import Register, record_attendance, register_rows
from enrolments.services.errors import EnrolmentRefused

RECORD_ATTENDANCE = "enrolments.record_attendance"
URL_NAMESPACE = "enrolments_attendance"
REGISTER_URL = f"{URL_NAMESPACE}:register"
# One select per cell: "mark-<enrolment id>-<slot id>".
FIELD = re.compile(r"^mark-(\d+)-(\d+)$")


def can_record(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(RECORD_ATTENDANCE))


def register_url(session: Session) -> str:
    return reverse(REGISTER_URL, args=(session.code,))


def field_name(enrolment: Enrolment, slot: TimetableSlot) -> str:
    return f"mark-{enrolment.pk}-{slot.pk}"


def slot_label(slot: TimetableSlot) -> str:
    """e.g. "30/03/2027 09:00–17:00", in the admin locale."""
    day = formats.date_format(slot.date, "SHORT_DATE_FORMAT")
    return f"{day} {formats.time_format(slot.start_time, 'H:i')}–{formats.time_format(slot.end_time, 'H:i')}"


def attended_hours(register: Register, enrolment: Enrolment) -> Decimal:
    """The hours of the slots marked present for ``enrolment`` (saved marks only)."""
    return sum(
        (slot.hours for slot in register.slots if register.mark(enrolment, slot) == AttendanceStatus.PRESENT),
        Decimal(0),
    )


def posted_marks(data) -> dict[tuple[int, int], str]:
    """Every cell posted, whatever its learner or slot: the service decides what may be saved."""
    marks = {}
    for key, value in data.items():
        if match := FIELD.match(key):
            marks[(int(match[1]), int(match[2]))] = value
    return marks


class AttendanceRegisterView(WagtailAdminTemplateMixin, TemplateView):
    """Fill in (POST) or read (GET, or CSV with ``?format=csv``) a session's register."""

    template_name = "enrolments/admin/attendance_register.html"
    page_title = _("Attendance register")
    header_icon = "tasks"

    def dispatch(self, request, *args, **kwargs):
        if not can_record(request.user):
            raise PermissionDenied
        self.session = get_object_or_404(Session.objects.select_related("course"), code=kwargs["code"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.session.code

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("sessions:index"), "label": Session._meta.verbose_name_plural.capitalize()},
            {"url": reverse("sessions:edit", args=(quote(self.session.pk),)), "label": self.session.code},
            {"url": "", "label": self.get_page_title()},
        ]

    @property
    def header_buttons(self):
        csv_url = f"{register_url(self.session)}?format=csv"
        return [HeaderButton(gettext("Download CSV"), url=csv_url, icon_name="download")]

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "csv":
            return self.csv_response(register_rows(self.session))
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        marks = posted_marks(request.POST)
        try:
            changed = record_attendance(session=self.session, marks=marks, by=request.user)
        except EnrolmentRefused as error:
            messages.error(request, str(error.message))
            return self.render_to_response(self.get_context_data(typed=marks))
        messages.success(
            request,
            ngettext("Attendance saved: %(count)s change.", "Attendance saved: %(count)s changes.", changed)
            % {"count": changed},
        )
        return redirect(register_url(self.session))

    def get_context_data(self, typed: dict[tuple[int, int], str] | None = None, **kwargs):
        register = register_rows(self.session)
        typed = typed or {}
        now = timezone.now()
        columns = [
            {"slot": slot, "label": slot_label(slot), "started": slot.starts_at <= now} for slot in register.slots
        ]
        rows = []
        for enrolment in register.enrolments:
            learner = enrolment.learner
            name = learner.get_full_name() or learner.email
            cells = []
            for column in columns:
                slot = column["slot"]
                cells.append(
                    {
                        "name": field_name(enrolment, slot),
                        "value": typed.get((enrolment.pk, slot.pk), register.mark(enrolment, slot)),
                        "disabled": not column["started"],
                        "label": gettext("%(learner)s, %(slot)s") % {"learner": name, "slot": column["label"]},
                    }
                )
            rows.append(
                {"name": name, "email": learner.email, "cells": cells, "hours": attended_hours(register, enrolment)}
            )
        return super().get_context_data(
            session=self.session,
            dates=session_dates(self.session),
            columns=columns,
            rows=rows,
            choices=AttendanceStatus.choices,
            action_url=register_url(self.session),
            edit_url=reverse("sessions:edit", args=(quote(self.session.pk),)),
            any_started=any(column["started"] for column in columns),
            **kwargs,
        )

    def csv_response(self, register: Register) -> HttpResponse:
        labels = dict(AttendanceStatus.choices)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="attendance-{self.session.code}.csv"'
        # The BOM and the semicolons: Excel (in French) opens it in columns, with accents intact.
        response.write("\ufeff")
        writer = csv.writer(response, delimiter=";")
        header = [gettext("Learner"), gettext("Email")]
        header += [slot_label(slot) for slot in register.slots]
        header.append(gettext("Attended hours"))
        writer.writerow(header)
        for enrolment in register.enrolments:
            learner = enrolment.learner
            row = [learner.get_full_name(), learner.email]
            row += [str(labels.get(register.mark(enrolment, slot), "")) for slot in register.slots]
            row.append(formats.number_format(attended_hours(register, enrolment), 1))
            writer.writerow(row)
        return response


# --- ways in from the session admin --------------------------------------------------------


def _link_context(session: Session, user) -> dict:
    """The register link, for holders of the permission and once the session has begun."""
    shown = can_record(user) and session.pk is not None and session.starts_at is not None
    return {
        "session": session,
        "register_url": register_url(session) if shown else "",
        "started": shown and session.starts_at <= timezone.now(),
    }


class AttendanceRegisterColumn(Column):
    """A link to the session's register in the session list (no query: the code is on the row)."""

    def __init__(self, name: str = "attendance", **kwargs) -> None:
        kwargs.setdefault("label", _("Attendance"))
        super().__init__(name, accessor=lambda session: "", **kwargs)

    cell_template_name = "enrolments/admin/attendance_register_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        request = parent_context.get("request")
        return context | _link_context(instance, request.user if request else None)


class AttendanceRegisterPanel(Panel):
    """The register link in the session editor (hidden on the add form and from other staff)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("heading", _("Attendance register"))
        super().__init__(**kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "enrolments/admin/attendance_register_panel.html"

        def is_shown(self) -> bool:
            return bool(self.instance and self.instance.pk and self.request and can_record(self.request.user))

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            return context | _link_context(self.instance, self.request.user)


@hooks.register("register_admin_urls")
def register_attendance_urls():
    urls = [path("<str:code>/", AttendanceRegisterView.as_view(), name="register")]
    return [path("attendance/", include((urls, URL_NAMESPACE), namespace=URL_NAMESPACE))]


@hooks.register(SESSION_ADMIN_EXTRAS_HOOK)
def session_attendance_register():
    return SessionAdminExtras(list_columns=(AttendanceRegisterColumn(),), panels=(AttendanceRegisterPanel(),))
