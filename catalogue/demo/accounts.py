"""Demo accounts: a superuser, a course designer, a programme manager, finance staff, a learner and a company manager.

The passwords are fixed and printed by the seed: they are for the local demo
only. Admin access for editors comes from their group's permissions (the
groups are created with their permissions by a catalogue data migration;
``get_or_create`` here only avoids depending on migration order).
"""

from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

COURSE_DESIGNERS = "Course designers"
PROGRAMME_MANAGERS = "Programme managers"
FINANCE_STAFF = "Finance staff"
# A learner who can enrol at once: the contract and invoices need a postal address.
LEARNER_PROFILE = {
    "civility": "ms",
    "street_address": "12 rue de la République",
    "postal_code": "69002",
    "city": "Lyon",
}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    email: str
    first_name: str
    last_name: str
    group: str | None = None
    superuser: bool = False
    profile: dict = field(default_factory=dict)
    # What the seed prints after the password, when neither a group nor superuser says it.
    role: str = "learner"


DEMO_ACCOUNTS = (
    DemoAccount("admin", "allys-admin-demo", "admin@allys.example", "Alix", "Admin", superuser=True),
    DemoAccount(
        "concepteur", "allys-concepteur-demo", "concepteur@allys.example", "Chloé", "Conceptrice", COURSE_DESIGNERS
    ),
    DemoAccount(
        "responsable", "allys-responsable-demo", "responsable@allys.example", "Rémi", "Responsable", PROGRAMME_MANAGERS
    ),
    DemoAccount("finance", "allys-finance-demo", "finance@allys.example", "Fanny", "Finance", FINANCE_STAFF),
    DemoAccount(
        "apprenant", "allys-apprenant-demo", "apprenant@allys.example", "Camille", "Martin", profile=LEARNER_PROFILE
    ),
    # Manages the demo organisation (seed_demo_organisation) and buys seats for its team.
    DemoAccount(
        "entreprise",
        "allys-entreprise-demo",
        "entreprise@allys.example",
        "Émilie",
        "Lefèvre",
        profile=LEARNER_PROFILE,
        role="company manager",
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
        for name, value in account.profile.items():
            setattr(user, name, value)
        user.save()
        # The site's login is by email, once verified.
        EmailAddress.objects.update_or_create(
            user=user, email=account.email, defaults={"verified": True, "primary": True}
        )
        if account.group:
            user.groups.add(Group.objects.get_or_create(name=account.group)[0])
    return list(DEMO_ACCOUNTS), created_count
