"""Editor panels for the course page.

The sessions panel shows the course's dated runs, read through the reverse
relation ``instance.sessions`` (the catalogue never imports ``courses``),
and links to the Session admin through its URL names.
"""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from wagtail.admin.panels import Panel

#: URL names of the Session ModelViewSet registered by ``courses``.
SESSION_ADD_URL_NAME = "sessions:add"
SESSION_EDIT_URL_NAME = "sessions:edit"


def _reverse_or_none(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


class SessionsPanel(Panel):
    """A read-only list of the course's sessions, with edit and add links."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "catalogue/admin/sessions_panel.html"

        def sessions(self) -> list:
            if not self.instance.pk:
                return []
            return list(self.instance.sessions.select_related("venue").order_by("starts_at", "code"))

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            user = getattr(self.request, "user", None)
            can_change = bool(user and user.has_perm("courses.change_session"))
            can_add = bool(user and user.has_perm("courses.add_session"))
            rows = []
            for session in self.sessions():
                # The course is this page: reuse it instead of querying it per session.
                session.course = self.instance
                rows.append(
                    {
                        "session": session,
                        "state": session.state(),
                        "edit_url": _reverse_or_none(SESSION_EDIT_URL_NAME, session.pk) if can_change else None,
                    }
                )
            add_url = None
            if can_add and self.instance.pk:
                add_url = _reverse_or_none(SESSION_ADD_URL_NAME)
                if add_url:
                    add_url = f"{add_url}?course={self.instance.pk}"
            context.update({"rows": rows, "add_url": add_url, "is_saved": bool(self.instance.pk)})
            return context
