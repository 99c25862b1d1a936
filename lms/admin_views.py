"""Views of the "Moodle" admin: the operations list, one operation, and the retry actions.

Permissions (Django model permissions on ``lms.OutboxItem``; superusers hold them all):

- ``lms.view_outboxitem`` shows the menu, the list and the inspect pages;
- ``lms.change_outboxitem`` retries (there is no edit form: rows change only
  through the outbox and the drain). Nobody adds or deletes rows by hand.

The viewset that uses these views is declared in ``lms/wagtail_hooks.py``.
"""

from __future__ import annotations

import json

from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponseForbidden
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column
from wagtail.permission_policies import ModelPermissionPolicy

from enrolments.admin_inspect import StaffInspectView
from enrolments.admin_views import StaffIndexView, link, local_datetime
from lms import retry
from lms.models import OutboxItem, OutboxKind, OutboxStatus, QueueState
from lms.status import course_url_builder

# URL namespace of the viewset (see wagtail_hooks), for links from other admin pages.
OPERATIONS = "lms_operations"

NEVER_BY_HAND = frozenset({"add", "delete"})

# Most urgent first: dead letters need a person, failed rows retry on their own.
ATTENTION_ORDER = (OutboxStatus.DEAD, OutboxStatus.FAILED, OutboxStatus.PENDING, OutboxStatus.SYNCED)


class OutboxPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, with adding and deleting switched off for everyone: "change" means "retry"."""

    def user_has_permission(self, user, action):
        return action not in NEVER_BY_HAND and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        allowed = [action for action in actions if action not in NEVER_BY_HAND]
        if not allowed:
            return get_user_model().objects.none()
        return super().users_with_any_permission(allowed)


def error_summary(item: OutboxItem) -> str:
    """ "Refused by Moodle · shortnametaken: Short name is already used…", cut short for the list."""
    if not item.error_kind and not item.error_message:
        return ""
    head = " · ".join(filter(None, [item.get_error_kind_display(), item.error_code]))
    message = Truncator(item.error_message).chars(160)
    return f"{head}: {message}" if head and message else head or message


def next_attempt(item: OutboxItem) -> str:
    return "" if item.status == OutboxStatus.SYNCED else local_datetime(item.next_attempt_at)


def queue_context() -> dict:
    """The paused-queue banner and the "retry all" button, for the list and inspect templates."""
    state = QueueState.objects.filter(pk=1, paused_at__isnull=False).first()
    return {
        "queue_paused": state,
        "queue_paused_since": local_datetime(state.paused_at) if state else "",
        "retry_all_url": reverse(f"{OPERATIONS}:retry_all"),
    }


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


# --- list -------------------------------------------------------------------


class RetryColumn(Column):
    """A "Retry now" button (a POST form) on each row not in sync."""

    cell_template_name = "lms/admin/retry_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        request = parent_context["request"]
        table = parent_context["table"]
        query = request.GET.urlencode()
        context |= {
            "can_retry": instance.status != OutboxStatus.SYNCED,
            "retry_url": reverse(f"{OPERATIONS}:retry", args=(quote(instance.pk),)),
            "csrf_token": get_token(request),
            # Back to the full list, also when the results were refreshed on their own.
            "next_url": f"{table.base_url}?{query}" if query else table.base_url,
        }
        return context


def attention_rank() -> Case:
    return Case(
        *(When(status=status, then=Value(rank)) for rank, status in enumerate(ATTENTION_ORDER)),
        default=Value(len(ATTENTION_ORDER)),
        output_field=IntegerField(),
    )


class OutboxIndexView(StaffIndexView):
    """Operations, most urgent first; rows in sync are hidden unless asked for (see admin_filters)."""

    def get_base_queryset(self):
        return super().get_base_queryset().annotate(attention_rank=attention_rank())

    def get_edit_url(self, instance):
        return None  # "change" is the retry permission: there is no edit form

    @cached_property
    def can_retry(self) -> bool:
        return self.user_has_permission("change")

    @cached_property
    def columns(self):
        columns = super().columns
        if self.can_retry:
            columns = [*columns, RetryColumn("retry", label=_("Retry"), accessor=lambda item: "")]
        return columns

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context |= queue_context()
        context["can_retry"] = self.can_retry
        if self.can_retry:
            context["retryable_count"] = OutboxItem.objects.filter(
                status__in=(OutboxStatus.FAILED, OutboxStatus.DEAD)
            ).count()
        return context


# --- one operation ----------------------------------------------------------


class OutboxInspectView(StaffInspectView):
    """One operation: what we want Moodle to hold (the payload), and the full error."""

    select_related = ("session",)
    extra_labels = {"course_link": _("Moodle course")}

    def get_edit_url(self):
        return None

    def get_payload_display_value(self):
        text = json.dumps(self.object.payload, indent=2, ensure_ascii=False, sort_keys=True)
        return format_html('<pre class="lms-payload" style="white-space: pre-wrap">{}</pre>', text)

    def get_error_message_display_value(self):
        if not self.object.error_message:
            return "—"
        # Moodle's messages may hold HTML (a password policy's list): shown as text, never rendered.
        return format_html('<pre class="lms-error" style="white-space: pre-wrap">{}</pre>', self.object.error_message)

    def get_session_display_value(self):
        session = self.object.session
        if session is None:
            return "—"
        return link(reverse("sessions:edit", args=(quote(session.pk),)), session.code)

    def get_course_link_display_value(self):
        if self.object.kind != OutboxKind.COURSE or not self.object.moodle_id:
            return "—"
        url = course_url_builder()(self.object.moodle_id)
        return format_html('<a href="{}">{}</a>', url, url) if url else "—"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context |= queue_context()
        context["can_retry"] = self.object.status != OutboxStatus.SYNCED and self.user_has_permission("change")
        context["retry_url"] = reverse(f"{OPERATIONS}:retry", args=(quote(self.object.pk),))
        context["next_url"] = self.request.get_full_path()
        return context


# --- retry actions ----------------------------------------------------------


class RetryPermissionMixin:
    """POST only; refused with 403 to whoever may not retry (the buttons are hidden from them)."""

    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        policy = OutboxPermissionPolicy(OutboxItem)
        if not policy.user_has_permission(request.user, "change"):
            return HttpResponseForbidden(gettext("You may not retry Moodle operations."))
        return super().dispatch(request, *args, **kwargs)


class RetryView(RetryPermissionMixin, View):
    """Retry one operation now."""

    def post(self, request, pk: int):
        item = get_object_or_404(OutboxItem, pk=pk)
        if retry.retry_items(pks=[item.pk]):
            messages.success(request, gettext("%(operation)s will be sent to Moodle again now.") % {"operation": item})
        else:
            messages.warning(request, gettext("%(operation)s is already in sync.") % {"operation": item})
        return redirect(_safe_next(request, reverse(f"{OPERATIONS}:index")))


class RetryAllView(RetryPermissionMixin, View):
    """Retry every failed and dead-letter operation, and resume a paused export."""

    def post(self, request):
        count, resumed = retry.retry_all_failed()
        if resumed:
            messages.success(request, gettext("The Moodle export has resumed."))
        if count:
            messages.success(
                request,
                ngettext(
                    "%(count)s operation will be sent to Moodle again now.",
                    "%(count)s operations will be sent to Moodle again now.",
                    count,
                )
                % {"count": count},
            )
        elif not resumed:
            messages.info(request, gettext("No failed operation to retry."))
        return redirect(_safe_next(request, reverse(f"{OPERATIONS}:index")))
