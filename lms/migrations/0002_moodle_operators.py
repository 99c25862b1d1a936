"""Programme managers watch the Moodle export and retry what failed.

They get ``view_outboxitem`` (the "Moodle" admin menu) and ``change_outboxitem``
(retry). Permissions are created here the way ``create_permissions`` would, as
in catalogue 0002, since on a fresh database they do not exist yet.
"""

from django.db import migrations

GROUP = "Programme managers"
CODENAMES = {"view_outboxitem": "Can view Moodle operation", "change_outboxitem": "Can change Moodle operation"}


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _created = ContentType.objects.get_or_create(app_label="lms", model="outboxitem")
    group, _created = Group.objects.get_or_create(name=GROUP)
    for codename, name in CODENAMES.items():
        permission, _created = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=GROUP).first()
    if group:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="lms", codename__in=CODENAMES))


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0001_outbox"),
        ("catalogue", "0002_editorial_roles"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
