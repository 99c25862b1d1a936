"""Programme managers keep the attendance registers (``record_attendance``, ``view_attendance``).

Permissions are created here the way ``create_permissions`` would (as in 0009),
since on a fresh database they do not exist yet. No model changes.
"""

from django.db import migrations

GROUP = "Programme managers"
# (model, codename, name)
PERMISSIONS = [
    ("attendance", "view_attendance", "Can view attendance"),
    ("attendance", "record_attendance", "Can record the attendance register"),
]


def _permission(apps, model, codename, name):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _created = ContentType.objects.get_or_create(app_label="enrolments", model=model)
    permission, _created = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name[:255]}
    )
    return permission


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group, _created = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(*(_permission(apps, *row) for row in PERMISSIONS))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        codenames = [codename for _model, codename, _name in PERMISSIONS]
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="enrolments", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("enrolments", "0010_attendance"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
