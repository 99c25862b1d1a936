"""Each session's Moodle status in the session admin: a list column and an editor panel.

They are registered into the session admin through the
``register_session_admin_extras`` hook (see ``courses/wagtail_hooks.py``),
so the courses app never imports this one.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import Panel
from wagtail.admin.ui.tables import Column

from lms.admin_filters import ALL_STATUSES
from lms.admin_views import OPERATIONS
from lms.status import SessionLmsState, SessionLmsStatus, session_statuses

VIEW_OPERATIONS = "lms.view_outboxitem"


def status_context(session, status: SessionLmsStatus, user) -> dict:
    """The status, and a link to the session's operations for staff who may see them."""
    operations_url = ""
    if user is not None and user.has_perm(VIEW_OPERATIONS):
        query = {"session": session.code}
        if status.state == SessionLmsState.IN_SYNC:
            query["status"] = ALL_STATUSES
        operations_url = f"{reverse(f'{OPERATIONS}:index')}?{urlencode(query)}"
    return {
        "session": session,
        "lms_status": status,
        "lms_failed": status.state == SessionLmsState.FAILED,
        "lms_in_sync": status.state == SessionLmsState.IN_SYNC,
        "operations_url": operations_url,
    }


class SessionLmsStatusColumn(Column):
    """Not exported / in sync / pending / failed, with the Moodle course link.

    The statuses of the whole page are read at the first cell, in two queries,
    and kept on the table being rendered.
    """

    cell_template_name = "lms/admin/session_status_cell.html"

    def __init__(self, name: str = "moodle", **kwargs) -> None:
        kwargs.setdefault("label", _("Moodle"))
        super().__init__(name, accessor=lambda session: "", **kwargs)

    def page_statuses(self, table) -> dict[int, SessionLmsStatus]:
        statuses = getattr(table, "lms_statuses", None)
        if statuses is None:
            statuses = table.lms_statuses = session_statuses(row.pk for row in table.data)
        return statuses

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        status = self.page_statuses(parent_context["table"])[instance.pk]
        request = parent_context.get("request")
        return context | status_context(instance, status, request.user if request else None)


class SessionLmsStatusPanel(Panel):
    """The session's Moodle status in its editor (hidden on the add form: nothing exported yet)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("heading", _("Moodle"))
        super().__init__(**kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "lms/admin/session_status_panel.html"

        def is_shown(self) -> bool:
            return bool(self.instance and self.instance.pk)

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            status = session_statuses([self.instance.pk])[self.instance.pk]
            user = self.request.user if self.request else None
            return context | status_context(self.instance, status, user)
