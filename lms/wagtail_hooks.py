"""The "Moodle" admin menu, and each session's Moodle status in the session admin.

The menu lists the outbox rows that are not in sync (pending, failed and dead
letters), with their errors, and lets staff retry them. It is shown to holders
of ``lms.view_outboxitem``; retrying needs ``lms.change_outboxitem``
(superusers hold both). See ``lms/admin_views.py``.
"""

from __future__ import annotations

from django.contrib.auth import get_permission_codename
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from courses.wagtail_hooks import SESSION_ADMIN_EXTRAS_HOOK, SessionAdminExtras
from lms import admin_filters
from lms import admin_views as views
from lms.admin_sessions import SessionLmsStatusColumn, SessionLmsStatusPanel
from lms.models import OutboxItem

# Registered before the viewset, which would otherwise create the default policy.
register_permission_policy(OutboxItem, views.OutboxPermissionPolicy(OutboxItem))


def _datetime_column(name: str, label, accessor=None) -> Column:
    accessor = accessor or (lambda item: views.local_datetime(getattr(item, name)))
    return Column(name, label=label, accessor=accessor, sort_key=name)


class OutboxViewSet(ModelViewSet):
    """Moodle operations: list, inspect, retry one, retry all. No add, edit or delete."""

    model = OutboxItem
    name = views.OPERATIONS
    url_prefix = "moodle"
    icon = "resubmit"
    menu_label = _("Moodle")
    menu_order = 270
    add_to_admin_menu = True
    index_view_class = views.OutboxIndexView
    inspect_view_class = views.OutboxInspectView
    index_template_name = "lms/admin/index.html"
    inspect_template_name = "lms/admin/inspect.html"
    inspect_view_enabled = True
    copy_view_enabled = False
    filterset_class = admin_filters.OutboxItemFilterSet
    search_backend_name = None
    search_fields = ["key", "session__code", "error_code", "error_message"]
    list_per_page = 50
    ordering = ["attention_rank", "next_attempt_at", "id"]
    list_display = [
        "__str__",
        Column("session", label=_("Session"), accessor="session.code", sort_key="session__code"),
        Column("status", label=_("Status"), accessor="get_status_display", sort_key="attention_rank"),
        Column("error", label=_("Error"), accessor=views.error_summary),
        Column("attempts", label=_("Attempts"), sort_key="attempts"),
        _datetime_column("next_attempt_at", _("Next attempt"), accessor=views.next_attempt),
        _datetime_column("updated_at", _("Changed")),
    ]
    inspect_view_fields = [
        "kind",
        "key",
        "session",
        "status",
        "attempts",
        "next_attempt_at",
        "error_kind",
        "error_code",
        "error_message",
        "payload",
        "moodle_id",
        "course_link",
        "synced_at",
        "created_at",
        "updated_at",
    ]

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(list_select_related=("session",), **kwargs)

    def get_urlpatterns(self):
        conv = self.pk_path_converter
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path(f"inspect/<{conv}:pk>/", self.inspect_view, name="inspect"),
            path(f"retry/<{conv}:pk>/", views.RetryView.as_view(), name="retry"),
            path("retry-all/", views.RetryAllView.as_view(), name="retry_all"),
        ]

    def get_permissions_to_register(self):
        # "view" to see the operations, "change" to retry them; add and delete would do nothing.
        codenames = [get_permission_codename(action, self.model_opts) for action in ("view", "change")]
        return super().get_permissions_to_register().filter(codename__in=codenames)


@hooks.register("register_admin_viewset")
def register_moodle_menu():
    return OutboxViewSet()


@hooks.register(SESSION_ADMIN_EXTRAS_HOOK)
def session_moodle_status():
    return SessionAdminExtras(list_columns=(SessionLmsStatusColumn(),), panels=(SessionLmsStatusPanel(),))
