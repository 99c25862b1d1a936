"""The course page editor form: refuses publishing an incomplete course sheet.

Saving a draft is always allowed. Pressing "Publish", or approving the last
workflow task (which publishes), re-displays the form with everything the
editor typed, a message at the top listing the missing Qualiopi items, and
an error on each field concerned.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.models import Task

from catalogue.qualiopi import missing_checklist_items, refusal_message

FIELD_MESSAGE = _("Required before publishing (Qualiopi).")


class CoursePageForm(WagtailAdminPageForm):
    """``CoursePage.base_form_class``."""

    def _user_can_publish(self) -> bool:
        user = self.for_user
        if user is None:
            return True
        if self.instance.pk:
            return self.instance.permissions_for_user(user).can_publish()
        if self.parent_page is not None:
            return self.parent_page.permissions_for_user(user).can_publish_subpage()
        return False

    def _approval_would_publish(self) -> bool:
        """True when this POST approves the last pending task of the page's workflow."""
        if not self.data.get("action-workflow-action") or self.data.get("workflow-action-name") != "approve":
            return False
        if not self.instance.pk:
            return False
        workflow_state = self.instance.current_workflow_state
        if workflow_state is None or workflow_state.current_task_state is None:
            return False
        other_pending_tasks = (
            Task.objects.filter(workflow_tasks__workflow=workflow_state.workflow, active=True)
            .exclude(task_states__in=workflow_state.successful_task_states)
            .exclude(pk=workflow_state.current_task_state.task_id)
        )
        return not other_pending_tasks.exists()

    def is_publishing(self) -> bool:
        """Whether the submitted action would make this version live."""
        if self.is_deferred_validation:
            # Drafts are validated leniently and never published.
            return False
        if self.data.get("action-publish"):
            return self._user_can_publish()
        return self._approval_would_publish()

    def _post_clean(self) -> None:
        # The instance holds the submitted values only after the model form's
        # own _post_clean, so the checklist runs afterwards.
        super()._post_clean()
        if not self.is_publishing():
            return
        missing = missing_checklist_items(self.instance)
        if not missing:
            return
        self.add_error(None, refusal_message([str(item.label) for item in missing]))
        for item in missing:
            for field_name in item.missing_fields(self.instance):
                if field_name in self.fields and field_name not in self.errors:
                    self.add_error(field_name, FIELD_MESSAGE)
