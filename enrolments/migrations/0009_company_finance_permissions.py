"""Finance staff: see organisations, quotes, seats and training agreements; verify
organisations (``change_organisation``) and record transfers received and refunds on
company orders (``change_order``: orders keep no edit form, the admin's read-only
policy refuses it; the finance actions check this permission and call the services).

Permissions are created here the way ``create_permissions`` would (as in 0004),
since on a fresh database they do not exist yet. No model changes.
"""

from django.db import migrations

GROUP = "Finance staff"
# (model, codename, name)
PERMISSIONS = [
    ("organisation", "view_organisation", "Can view organisation"),
    ("organisation", "change_organisation", "Can change organisation"),
    ("quote", "view_quote", "Can view quote"),
    ("seat", "view_seat", "Can view seat"),
    ("agreement", "view_agreement", "Can view training agreement"),
    ("order", "change_order", "Can change order"),
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
        ("enrolments", "0008_company_seats"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
