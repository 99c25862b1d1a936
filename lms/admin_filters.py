"""Filters of the Moodle operations list.

With no status chosen, the list shows what needs attention: every row not in
sync (pending, failed and dead letters). "In sync" and "All" show the rest.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet

from lms.models import ErrorKind, OutboxItem, OutboxKind, OutboxStatus

ALL_STATUSES = "all"


class OutboxItemFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[*OutboxStatus.choices, (ALL_STATUSES, _("All, in sync included"))],
        empty_label=_("Not in sync"),
        method="filter_status",
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=OutboxKind.choices, empty_label=_("Any kind"))
    error_kind = django_filters.ChoiceFilter(
        label=_("Error"), choices=ErrorKind.choices, empty_label=_("Any error or none")
    )
    session = django_filters.CharFilter(label=_("Session code"), field_name="session__code", lookup_expr="icontains")

    class Meta:
        model = OutboxItem
        fields = ["status", "kind", "error_kind", "session"]

    def filter_status(self, queryset, name, value):
        return queryset if value == ALL_STATUSES else queryset.filter(status=value)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # filter_status runs only when a status is chosen; by default, leave the synced rows out.
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.exclude(status=OutboxStatus.SYNCED)
        return queryset
