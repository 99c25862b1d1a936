"""Publishing a course page is refused while Qualiopi indicator-1 items are missing."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from wagtail.models import Workflow
from wagtail.test.utils.form_data import querydict_from_html

from catalogue.factories import CoursePageFactory
from catalogue.models import CoursePage
from catalogue.qualiopi import IncompleteCoursePageError, missing_items

WORKFLOW = "Validation par un responsable de programme"


@pytest.fixture
def incomplete_page(catalogue_page):
    return CoursePageFactory(
        parent=catalogue_page,
        title="IA frugale",
        publish=False,
        live=False,
        objectives="<p></p>",
        access_delay_days=None,
        contact_email="",
    )


def edit_data(client, page):
    """The edit form as the browser would post it back, unchanged."""
    response = client.get(reverse("wagtailadmin_pages:edit", args=(page.pk,)))
    assert response.status_code == 200
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    # The syllabus StreamField is drawn by JavaScript; these pages have no module.
    data.setdefault("syllabus-count", "0")
    return data


def expected_labels(page):
    with translation.override("fr"):
        return missing_items(CoursePage.objects.get(pk=page.pk))


# --- the checklist ---------------------------------------------------------


def test_checklist_names_the_missing_items_in_order(incomplete_page):
    with translation.override("en"):
        assert missing_items(incomplete_page) == ["Objectives", "Access delay", "Contact (name and email)"]


def test_checklist_takes_the_syllabus_total_when_no_duration_is_given(catalogue_page):
    page = CoursePageFactory(parent=catalogue_page, publish=False, live=False, duration_hours=None)
    with translation.override("en"):
        assert "Duration in hours" in missing_items(page)
        page.syllabus = [("module", {"title": "Bases", "hours": "3.5", "description": ""})]
        assert "Duration in hours" not in missing_items(page)


# --- the editor --------------------------------------------------------------


def test_publish_button_on_an_incomplete_page_is_refused_with_the_missing_items(client, manager, incomplete_page):
    client.force_login(manager)
    data = edit_data(client, incomplete_page)
    data["title"] = "IA frugale (v2)"
    data["action-publish"] = "action-publish"

    response = client.post(reverse("wagtailadmin_pages:edit", args=(incomplete_page.pk,)), data)

    assert response.status_code == 200
    page = CoursePage.objects.get(pk=incomplete_page.pk)
    assert not page.live
    html = response.content.decode()
    labels = expected_labels(incomplete_page)
    assert len(labels) == 3
    for label in labels:
        assert label in html
    # What the editor typed is still in the form.
    assert "IA frugale (v2)" in html
    with translation.override("fr"):
        field_error = escape(translation.gettext("Required before publishing (Qualiopi)."))
    assert field_error in html


def test_publish_button_on_a_complete_page_publishes_it(client, manager, catalogue_page):
    page = CoursePageFactory(parent=catalogue_page, publish=False, live=False)
    client.force_login(manager)
    data = edit_data(client, page)
    data["action-publish"] = "action-publish"

    response = client.post(reverse("wagtailadmin_pages:edit", args=(page.pk,)), data)

    assert response.status_code == 302
    assert CoursePage.objects.get(pk=page.pk).live


def test_saving_a_draft_of_an_incomplete_page_is_allowed(client, manager, incomplete_page):
    client.force_login(manager)
    data = edit_data(client, incomplete_page)
    data["title"] = "IA frugale, brouillon"

    response = client.post(reverse("wagtailadmin_pages:edit", args=(incomplete_page.pk,)), data)

    assert response.status_code == 302
    page = CoursePage.objects.get(pk=incomplete_page.pk)
    assert not page.live
    assert page.get_latest_revision_as_object().title == "IA frugale, brouillon"


def test_superuser_cannot_publish_an_incomplete_page_either(client, django_user_model, incomplete_page):
    admin = django_user_model.objects.create_superuser(username="root", password="pw", email="root@x.test")
    client.force_login(admin)
    data = edit_data(client, incomplete_page)
    data["action-publish"] = "action-publish"

    client.post(reverse("wagtailadmin_pages:edit", args=(incomplete_page.pk,)), data)

    assert not CoursePage.objects.get(pk=incomplete_page.pk).live


# --- the workflow ----------------------------------------------------------------


@pytest.fixture
def submitted_page(incomplete_page, designer):
    workflow = Workflow.objects.get(name=WORKFLOW)
    incomplete_page.save_revision(user=designer)
    workflow.start(incomplete_page, designer)
    return CoursePage.objects.get(pk=incomplete_page.pk)


def test_approving_in_the_editor_does_not_publish_an_incomplete_page(client, manager, submitted_page):
    client.force_login(manager)
    data = edit_data(client, submitted_page)
    data["action-workflow-action"] = "true"
    data["workflow-action-name"] = "approve"

    response = client.post(reverse("wagtailadmin_pages:edit", args=(submitted_page.pk,)), data)

    assert response.status_code == 200
    for label in expected_labels(submitted_page):
        assert label in response.content.decode()
    page = CoursePage.objects.get(pk=submitted_page.pk)
    assert not page.live
    assert page.current_workflow_task_state.status == "in_progress"


def test_approving_from_the_dashboard_does_not_publish_an_incomplete_page(client, manager, submitted_page):
    client.force_login(manager)
    task_state = submitted_page.current_workflow_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=(submitted_page.pk, "approve", task_state.pk))

    response = client.post(url, {"comment": ""})

    # Refused as a publishing permission error: Wagtail redirects with an error message.
    assert response.status_code in (302, 403)
    page = CoursePage.objects.get(pk=submitted_page.pk)
    assert not page.live
    assert page.current_workflow_task_state.status == "in_progress"


def test_approving_a_complete_page_publishes_it(client, manager, designer, catalogue_page):
    page = CoursePageFactory(parent=catalogue_page, publish=False, live=False)
    page.save_revision(user=designer)
    Workflow.objects.get(name=WORKFLOW).start(page, designer)
    client.force_login(manager)
    task_state = CoursePage.objects.get(pk=page.pk).current_workflow_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=(page.pk, "approve", task_state.pk))

    client.post(url, {"comment": ""})

    assert CoursePage.objects.get(pk=page.pk).live


# --- other publishing paths --------------------------------------------------------


def test_revision_publish_refuses_an_incomplete_page(incomplete_page):
    revision = incomplete_page.save_revision()
    with pytest.raises(IncompleteCoursePageError) as refused:
        revision.publish()
    assert len(refused.value.missing) == 3
    assert not CoursePage.objects.get(pk=incomplete_page.pk).live


def test_scheduled_publishing_skips_an_incomplete_page_and_publishes_the_others(incomplete_page, catalogue_page):
    complete = CoursePageFactory(parent=catalogue_page, publish=False, live=False)
    past = timezone.now() - dt.timedelta(minutes=5)
    for page in (incomplete_page, complete):
        revision = page.save_revision()
        revision.approved_go_live_at = past
        revision.save()

    call_command("publish_scheduled")

    assert not CoursePage.objects.get(pk=incomplete_page.pk).live
    assert CoursePage.objects.get(pk=complete.pk).live


# --- the completeness report -----------------------------------------------------


def test_report_lists_each_course_with_its_missing_items(client, designer, incomplete_page, catalogue_page):
    CoursePageFactory(parent=catalogue_page, title="Vision par ordinateur")
    client.force_login(designer)

    response = client.get(reverse("catalogue_completeness_report"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "IA frugale" in html and "Vision par ordinateur" in html
    assert 'data-completeness="8/11"' in html
    assert 'data-completeness="11/11"' in html
    for label in expected_labels(incomplete_page):
        assert label in html
    assert reverse("wagtailadmin_pages:edit", args=(incomplete_page.pk,)) in html


def test_report_scores_the_latest_draft(client, designer, catalogue_page):
    page = CoursePageFactory(parent=catalogue_page, title="Robustesse")
    page.objectives = ""
    page.save_revision()
    client.force_login(designer)

    response = client.get(reverse("catalogue_completeness_report"))

    assert 'data-completeness="10/11"' in response.content.decode()


def test_report_query_count_does_not_grow_with_the_pages(client, designer, catalogue_page):
    client.force_login(designer)
    CoursePageFactory(parent=catalogue_page)
    url = reverse("catalogue_completeness_report")
    client.get(url)  # warm caches (content types, site root paths)
    with CaptureQueriesContext(connection) as one_page:
        client.get(url)
    for _ in range(4):
        CoursePageFactory(parent=catalogue_page, publish=False, live=False, objectives="")
    with CaptureQueriesContext(connection) as five_pages:
        client.get(url)
    assert len(five_pages) == len(one_page)
