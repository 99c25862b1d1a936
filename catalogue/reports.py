"""The Qualiopi completeness report: every course page and what it still misses.

Each row is scored on the page's latest revision (what "Publish" would make
live), read from the revision joined in the same query: the report runs a
constant number of queries whatever the number of pages.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.reports import ReportView
from wagtail.permission_policies.pages import PagePermissionPolicy

from catalogue.models import CoursePage
from catalogue.qualiopi import CHECKLIST, Completeness, completeness

#: Every field the checklist reads, plus the syllabus (duration fallback).
CHECKED_FIELDS = tuple(sorted({name for item in CHECKLIST for name in item.fields} | {"syllabus"}))


def latest_content(page: CoursePage) -> Any:
    """The checked fields as the latest revision has them, without extra queries."""
    values = {name: getattr(page, name) for name in CHECKED_FIELDS}
    revision = page.latest_revision
    if revision is not None:
        for name in CHECKED_FIELDS:
            if name in revision.content:
                values[name] = CoursePage._meta.get_field(name).to_python(revision.content[name])
    return SimpleNamespace(**values)


def course_completeness(page: CoursePage) -> Completeness:
    """Score a page of the report (memoised on the row object)."""
    if not hasattr(page, "_completeness"):
        page._completeness = completeness(latest_content(page))
    return page._completeness


class CompletenessColumn(Column):
    """The score, e.g. 9/11, with a meter."""

    cell_template_name = "catalogue/admin/completeness_cell.html"

    def get_value(self, instance):
        return course_completeness(instance)


class MissingItemsColumn(Column):
    """The labels of the missing items, as a list."""

    cell_template_name = "catalogue/admin/missing_items_cell.html"

    def get_value(self, instance):
        return course_completeness(instance).missing


class CourseCompletenessReportView(ReportView):
    """Under Reports: which course pages can be published, and what the others miss."""

    page_title = _("Course sheets (Qualiopi)")
    header_icon = "tasks"
    index_url_name = "catalogue_completeness_report"
    index_results_url_name = "catalogue_completeness_report_results"
    any_permission_required = ["add", "change", "publish"]
    permission_policy = PagePermissionPolicy()
    paginate_by = 100
    default_ordering = "title"
    verbose_name_plural = _("course pages")
    columns = [
        TitleColumn(
            "title",
            label=_("Course"),
            get_url=lambda page: reverse("wagtailadmin_pages:edit", args=(page.pk,)),
            accessor="draft_title",
            sort_key="title",
        ),
        Column("locale", label=_("Language"), accessor="locale.get_display_name"),
        Column("status", label=_("Status"), accessor="status_string"),
        CompletenessColumn("completeness", label=_("Completeness")),
        MissingItemsColumn("missing", label=_("Missing items")),
    ]

    def get_queryset(self):
        editable = self.permission_policy.instances_user_has_permission_for(self.request.user, "change")
        return (
            CoursePage.objects.filter(pk__in=editable.values("pk"))
            .select_related("latest_revision", "locale")
            .annotate_approved_schedule()
            .prefetch_workflow_states()
            .order_by("title", "pk")
        )
