"""factory_boy factories for accounts, legal texts, orders and enrolments, in any state."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from enrolments.models import (
    Enrolment,
    EnrolmentStatus,
    Funding,
    Instalment,
    LegalText,
    LegalTextKind,
    Order,
    OrderStatus,
    User,
)


class UserFactory(factory.django.DjangoModelFactory):
    """A learner with a complete legal profile and a verified email (password "motdepasse-solide")."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"learner{n}")
    email = factory.Sequence(lambda n: f"learner{n}@example.org")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    civility = "ms"
    street_address = "12 rue de la République"
    postal_code = "69002"
    city = "Lyon"
    professional_status = "employee"

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):  # noqa: N805
        obj.set_password(extracted or "motdepasse-solide")
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):  # noqa: N805
        """Record the email as verified with allauth, unless ``verified=False``."""
        if create and extracted is not False:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class LegalTextFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LegalText
        django_get_or_create = ("kind", "version")

    kind = LegalTextKind.TERMS_OF_SALE
    version = "2026-11"
    effective_from = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=30))
    body_fr = factory.LazyAttribute(lambda o: f"<p>Texte {o.kind} version {o.version}.</p>")
    body_en = factory.LazyAttribute(lambda o: f"<p>Text {o.kind} version {o.version}.</p>")


class OrderFactory(factory.django.DjangoModelFactory):
    """A self-funded order for the individual price of ``session`` (pass ``session=``)."""

    class Meta:
        model = Order

    buyer = factory.SubFactory(UserFactory)
    funding = Funding.SELF
    status = OrderStatus.PENDING
    price_tier_kind = "individual"
    amount_incl_tax = Decimal("900.00")
    amount_excl_tax = Decimal("900.00")
    vat_rate = Decimal("0")
    vat_exempt = True
    payment_backend = "dummy"


class EnrolmentFactory(factory.django.DjangoModelFactory):
    """A confirmed enrolment by default; pass ``status=`` and dates for other states."""

    class Meta:
        model = Enrolment

    learner = factory.SubFactory(UserFactory)
    order = factory.LazyAttribute(lambda o: OrderFactory(session=o.session, buyer=o.learner, status=OrderStatus.ACTIVE))
    status = EnrolmentStatus.CONFIRMED
    terms = factory.LazyFunction(lambda: LegalTextFactory(kind=LegalTextKind.TERMS_OF_SALE))
    internal_rules = factory.LazyFunction(lambda: LegalTextFactory(kind=LegalTextKind.INTERNAL_RULES))
    accepted_at = factory.LazyFunction(timezone.now)
    confirmed_at = factory.LazyFunction(timezone.now)
    withdrawal_ends_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=10))


class InstalmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Instalment

    number = factory.Sequence(lambda n: n + 1)
    due_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=11))
    amount = Decimal("270.00")
