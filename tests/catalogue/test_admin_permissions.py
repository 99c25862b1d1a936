"""Editorial roles: designers write and submit, programme managers publish and schedule."""

from django.urls import reverse
from wagtail.models import Page, WorkflowPage
from wagtail.test.utils.form_data import querydict_from_html

from catalogue.factories import CoursePageFactory, complete_course_fields
from catalogue.models import CoursePage

WORKFLOW = "Validation par un responsable de programme"


def form_data(response):
    """The page form as the browser would post it back (the empty syllabus is drawn by JavaScript)."""
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    data.setdefault("syllabus-count", "0")
    return data


def test_migration_assigns_the_programme_manager_workflow_to_the_whole_tree(db):
    root = Page.get_first_root_node()
    workflow = WorkflowPage.objects.get(page=root).workflow
    assert workflow.name == WORKFLOW
    task = workflow.tasks.get().specific
    assert [group.name for group in task.groups.all()] == ["Programme managers"]


def test_designer_creates_a_course_page_and_submits_it_for_moderation(client, designer, catalogue_page):
    client.force_login(designer)
    add_url = reverse("wagtailadmin_pages:add", args=("catalogue", "coursepage", catalogue_page.pk))
    response = client.get(add_url)
    assert response.status_code == 200
    assert 'name="action-publish"' not in response.content.decode()
    data = form_data(response)
    data["title"] = "Apprentissage sobre"
    data["slug"] = "apprentissage-sobre"
    data["summary"] = complete_course_fields()["summary"]
    data["action-submit"] = "action-submit"

    response = client.post(add_url, data)

    assert response.status_code == 302
    page = CoursePage.objects.get(slug="apprentissage-sobre")
    assert not page.live
    assert page.current_workflow_state.workflow.name == WORKFLOW
    assert page.current_workflow_task_state.status == "in_progress"


def test_designer_edits_but_cannot_publish(client, designer, catalogue_page):
    page = CoursePageFactory(parent=catalogue_page, publish=False, live=False)
    client.force_login(designer)
    edit_url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    response = client.get(edit_url)
    assert response.status_code == 200
    assert 'name="action-publish"' not in response.content.decode()
    data = form_data(response)
    data["title"] = "Modifiée par la conceptrice"
    data["action-publish"] = "action-publish"

    response = client.post(edit_url, data)

    page = CoursePage.objects.get(pk=page.pk)
    assert not page.live
    assert page.get_latest_revision_as_object().title == "Modifiée par la conceptrice"


def test_designer_cannot_open_the_sessions_admin(client, designer):
    client.force_login(designer)
    for name in ("sessions:index", "sessions:add", "venues:index"):
        response = client.get(reverse(name))
        assert response.status_code in (302, 403), name
        assert response.status_code != 200


def test_designer_does_not_see_the_sessions_menu(client, designer):
    client.force_login(designer)
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    assert reverse("sessions:index") not in response.content.decode()


def test_programme_manager_publishes_a_complete_page(client, manager, catalogue_page):
    page = CoursePageFactory(parent=catalogue_page, publish=False, live=False)
    client.force_login(manager)
    edit_url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    response = client.get(edit_url)
    assert 'name="action-publish"' in response.content.decode()
    data = form_data(response)
    data["action-publish"] = "action-publish"

    client.post(edit_url, data)

    assert CoursePage.objects.get(pk=page.pk).live


def test_programme_manager_manages_sessions_and_venues(client, manager):
    client.force_login(manager)
    for name in ("sessions:index", "sessions:add", "venues:index", "venues:add"):
        assert client.get(reverse(name)).status_code == 200, name
    assert reverse("sessions:index") in client.get(reverse("wagtailadmin_home")).content.decode()


def test_programme_manager_manages_the_catalogue_snippets(client, manager):
    client.force_login(manager)
    for model in ("theme", "partner", "trainer"):
        assert client.get(reverse(f"wagtailsnippets_catalogue_{model}:add")).status_code == 200, model
