"""Editorial roles: course designers, programme managers and their workflow.

- "Course designers" write course pages (add/change on the whole tree) but
  cannot publish; they submit for moderation.
- "Programme managers" publish pages and manage sessions, venues and snippets.
- The workflow "Validation par un responsable de programme" (one group
  approval task for the programme managers) is assigned to the root page.

On a fresh database the permissions of our own models do not exist yet
(Django creates them after all migrations), so they are created here the
way ``create_permissions`` would, by content type and codename.
"""

from django.db import migrations

DESIGNERS = "Course designers"
MANAGERS = "Programme managers"
WORKFLOW = "Validation par un responsable de programme"
TASK = "Validation par un responsable de programme"

CRUD = ("add", "change", "delete", "view")
SNIPPETS = ("theme", "partner", "trainer")
SCHEDULE = ("session", "venue", "timetableslot", "pricetier")

DESIGNER_PAGE_PERMISSIONS = ("add_page", "change_page")
MANAGER_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "bulk_delete_page", "lock_page", "unlock_page")
DESIGNER_COLLECTION_PERMISSIONS = (
    ("wagtailimages", "image", ("add", "choose")),
    ("wagtaildocs", "document", ("add", "choose")),
)
MANAGER_COLLECTION_PERMISSIONS = (
    ("wagtailimages", "image", ("add", "change", "choose")),
    ("wagtaildocs", "document", ("add", "change", "choose")),
)

ACTION_NAMES = {
    "add": "Can add",
    "change": "Can change",
    "delete": "Can delete",
    "view": "Can view",
    "choose": "Can choose",
    "publish": "Can publish",
    "bulk_delete": "Delete pages with children",
    "lock": "Lock any page",
    "unlock": "Unlock any page",
    "access": "Can access Wagtail admin",
}


def _permission(apps, app_label, model, codename):
    """Get or create a permission, as ``create_permissions`` would."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _created = ContentType.objects.get_or_create(app_label=app_label, model=model)
    action = codename.split("_")[0] if not codename.startswith("bulk_delete") else "bulk_delete"
    name = f"{ACTION_NAMES.get(action, codename)} {model}"
    permission, _created = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name[:255]}
    )
    return permission


def _model_permissions(apps, app_label, models, actions):
    return [_permission(apps, app_label, model, f"{action}_{model}") for model in models for action in actions]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")

    access_admin = _permission(apps, "wagtailadmin", "admin", "access_admin")
    designers, _created = Group.objects.get_or_create(name=DESIGNERS)
    managers, _created = Group.objects.get_or_create(name=MANAGERS)

    designers.permissions.add(access_admin, *_model_permissions(apps, "catalogue", SNIPPETS, ("view",)))
    managers.permissions.add(
        access_admin,
        *_model_permissions(apps, "catalogue", SNIPPETS, CRUD),
        *_model_permissions(apps, "courses", SCHEDULE, CRUD),
    )

    root = Page.objects.filter(depth=1).order_by("path").first()
    if root is not None:
        for group, codenames in ((designers, DESIGNER_PAGE_PERMISSIONS), (managers, MANAGER_PAGE_PERMISSIONS)):
            for codename in codenames:
                GroupPagePermission.objects.get_or_create(
                    group=group, page=root, permission=_permission(apps, "wagtailcore", "page", codename)
                )

    root_collection = Collection.objects.filter(depth=1).order_by("path").first()
    if root_collection is not None:
        for group, rules in (
            (designers, DESIGNER_COLLECTION_PERMISSIONS),
            (managers, MANAGER_COLLECTION_PERMISSIONS),
        ):
            for app_label, model, actions in rules:
                for permission in _model_permissions(apps, app_label, (model,), actions):
                    GroupCollectionPermission.objects.get_or_create(
                        group=group, collection=root_collection, permission=permission
                    )

    task_content_type, _created = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
    task = GroupApprovalTask.objects.filter(name=TASK).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK, content_type=task_content_type, active=True)
    task.groups.add(managers)
    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW, defaults={"active": True})
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    if root is not None:
        # Wagtail assigns its default "Moderators approval" workflow to the
        # root page; ours replaces it (a page has one workflow).
        WorkflowPage.objects.update_or_create(page=root, defaults={"workflow": workflow})


def remove_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    Task = apps.get_model("wagtailcore", "Task")

    # Deleting the workflow cascades to its WorkflowPage and WorkflowTask rows.
    Workflow.objects.filter(name=WORKFLOW).delete()
    Task.objects.filter(name=TASK).delete()
    # Group deletion cascades to their page and collection permissions.
    Group.objects.filter(name__in=[DESIGNERS, MANAGERS]).delete()

    root = Page.objects.filter(depth=1).order_by("path").first()
    default_workflow = Workflow.objects.filter(name="Moderators approval").first()
    if root is not None and default_workflow is not None:
        WorkflowPage.objects.get_or_create(page=root, defaults={"workflow": default_workflow})


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0001_initial"),
        ("courses", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
