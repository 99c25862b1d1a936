"""Demo accounts: a superuser, a course designer and a programme manager.

The passwords are fixed and printed by the seed: they are for the local demo
only. Admin access for editors comes from their group's permissions (the
groups are created with their permissions by a catalogue data migration;
``get_or_create`` here only avoids depending on migration order).
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

COURSE_DESIGNERS = "Course designers"
PROGRAMME_MANAGERS = "Programme managers"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    email: str
    first_name: str
    last_name: str
    group: str | None = None
    superuser: bool = False


DEMO_ACCOUNTS = (
    DemoAccount("admin", "allys-admin-demo", "admin@allys.example", "Alix", "Admin", superuser=True),
    DemoAccount(
        "concepteur", "allys-concepteur-demo", "concepteur@allys.example", "Chloé", "Conceptrice", COURSE_DESIGNERS
    ),
    DemoAccount(
        "responsable", "allys-responsable-demo", "responsable@allys.example", "Rémi", "Responsable", PROGRAMME_MANAGERS
    ),
)


def build_accounts() -> tuple[list[DemoAccount], int]:
    """Create or reset the demo accounts; return them and how many were created."""
    user_model = get_user_model()
    created_count = 0
    for account in DEMO_ACCOUNTS:
        user, created = user_model.objects.get_or_create(
            username=account.username,
            defaults={"email": account.email, "first_name": account.first_name, "last_name": account.last_name},
        )
        created_count += created
        user.is_superuser = user.is_staff = account.superuser
        user.is_active = True
        user.set_password(account.password)
        user.save()
        if account.group:
            user.groups.add(Group.objects.get_or_create(name=account.group)[0])
    return list(DEMO_ACCOUNTS), created_count
