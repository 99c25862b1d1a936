"""Finance staff: read the enrolments admin (enrolments, orders, payments to
watch, invoices and credit notes, waitlist, quote requests, legal texts), and
publish new versions of the legal texts.

View permissions only: these rows change through the services, and the
Wagtail admin's read-only policy refuses add, change and delete anyway.
As in catalogue 0002, permissions are created here the way
``create_permissions`` would, since on a fresh database they do not exist yet.
"""

from django.db import migrations

GROUP = "Finance staff"
# model name -> verbose name (for the permission's display name)
MODELS = {
    "enrolment": "enrolment",
    "order": "order",
    "instalment": "instalment",
    "invoice": "invoice",
    "waitlistentry": "waitlist entry",
    "fundingrequest": "quote request",
    "legaltext": "legal text",
}


def _permission(apps, app_label, model, codename, name):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _created = ContentType.objects.get_or_create(app_label=app_label, model=model)
    permission, _created = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name[:255]}
    )
    return permission


def create_finance_staff(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group, _created = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(
        _permission(apps, "wagtailadmin", "admin", "access_admin", "Can access Wagtail admin"),
        *(
            _permission(apps, "enrolments", model, f"view_{model}", f"Can view {verbose_name}")
            for model, verbose_name in MODELS.items()
        ),
        _permission(apps, "enrolments", "legaltext", "add_legaltext", "Can add legal text"),
        _permission(apps, "enrolments", "legaltext", "change_legaltext", "Can change legal text"),
    )


def remove_finance_staff(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("enrolments", "0003_initial_legal_texts"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailadmin", "0006_formstate"),
    ]

    operations = [migrations.RunPython(create_finance_staff, remove_finance_staff)]
