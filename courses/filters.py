"""Filters of the session index in the admin."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet

from catalogue.models import CoursePage, Theme
from courses.models import Session, SessionStatus


def _courses(request):
    return CoursePage.objects.order_by("title")


def _themes(request):
    return Theme.objects.filter(courses__isnull=False).distinct().order_by("name")


class SessionFilterSet(WagtailFilterSet):
    """Course, start date range, status and the course's theme."""

    course = django_filters.ModelChoiceFilter(label=_("Course"), queryset=_courses, empty_label=_("All courses"))
    starts_at = django_filters.DateFromToRangeFilter(label=_("Starts between"), widget=DateRangePickerWidget)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=SessionStatus.choices, empty_label=_("Any status"))
    theme = django_filters.ModelChoiceFilter(
        label=_("Theme"), field_name="course__themes", queryset=_themes, empty_label=_("All themes"), distinct=True
    )

    class Meta:
        model = Session
        fields = ["course", "starts_at", "status", "theme"]
