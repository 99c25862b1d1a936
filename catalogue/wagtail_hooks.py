"""Catalogue admin: the snippets menu and the Qualiopi completeness report."""

from __future__ import annotations

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from catalogue.models import Partner, Theme, Trainer
from catalogue.reports import CourseCompletenessReportView


class ThemeViewSet(SnippetViewSet):
    model = Theme
    icon = "pick"
    menu_order = 100
    list_display = ["name", "slug"]
    search_fields = ["name"]
    search_backend_name = None


class PartnerViewSet(SnippetViewSet):
    model = Partner
    icon = "group"
    menu_order = 200
    list_display = ["name", "short_name", "kind", "is_lead"]
    list_filter = ["kind", "is_lead"]
    search_fields = ["name", "short_name"]
    search_backend_name = None


class TrainerViewSet(SnippetViewSet):
    model = Trainer
    icon = "user"
    menu_order = 300
    list_display = ["name", "job_title", "organisation"]
    search_fields = ["name", "job_title"]
    search_backend_name = None

    def get_queryset(self, request):
        return Trainer.objects.select_related("organisation")


class CatalogueMenu(SnippetViewSetGroup):
    menu_label = _("Catalogue")
    menu_icon = "folder-open-inverse"
    menu_order = 200
    items = (ThemeViewSet, PartnerViewSet, TrainerViewSet)


register_snippet(CatalogueMenu)


@hooks.register("register_admin_urls")
def register_completeness_report_urls():
    return [
        path(
            "reports/course-completeness/",
            CourseCompletenessReportView.as_view(),
            name="catalogue_completeness_report",
        ),
        path(
            "reports/course-completeness/results/",
            CourseCompletenessReportView.as_view(results_only=True),
            name="catalogue_completeness_report_results",
        ),
    ]


class CompletenessReportMenuItem(MenuItem):
    def is_shown(self, request):
        return CourseCompletenessReportView.permission_policy.user_has_any_permission(
            request.user, CourseCompletenessReportView.any_permission_required
        )


@hooks.register("register_reports_menu_item")
def register_completeness_report_menu_item():
    return CompletenessReportMenuItem(
        _("Course sheets (Qualiopi)"),
        reverse("catalogue_completeness_report"),
        name="course-completeness",
        icon_name="tasks",
        order=650,
    )
