"""factory_boy factories for accounts, legal texts, orders and enrolments, in any state."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone
from stdnum import luhn

from enrolments.models import (
    Enrolment,
    EnrolmentStatus,
    Funding,
    Instalment,
    LegalText,
    LegalTextKind,
    Membership,
    MembershipStatus,
    Order,
    OrderStatus,
    Organisation,
    PaymentWay,
    Seat,
    SeatStatus,
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


# --- organisations and company orders -------------------------------------------------------


def valid_siret(n: int) -> str:
    """A SIRET that python-stdnum accepts (Luhn-valid SIREN and SIRET), distinct for each ``n``."""
    siren = f"{732829 + n:08d}"[-8:]
    siren += luhn.calc_check_digit(siren)
    body = f"{siren}{n % 10000:04d}"
    return body + luhn.calc_check_digit(body)


class OrganisationFactory(factory.django.DjangoModelFactory):
    """A verified organisation; ``manager=<user>`` makes that person an active manager."""

    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Entreprise {n}")
    siret = factory.Sequence(valid_siret)
    vat_number = ""
    billing_street_address = "3 place Bellecour"
    billing_postal_code = "69002"
    billing_city = "Lyon"
    billing_contact_name = "Service comptable"
    billing_contact_email = factory.Sequence(lambda n: f"compta{n}@entreprise.example")
    verified_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def manager(obj, create, extracted, **kwargs):  # noqa: N805
        if create and extracted is not None:
            MembershipFactory(organisation=obj, user=extracted)


class MembershipFactory(factory.django.DjangoModelFactory):
    """An active manager of ``organisation``."""

    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    email = factory.LazyAttribute(lambda o: o.user.email if o.user else "invitee@example.org")
    status = MembershipStatus.ACTIVE


class CompanyOrderFactory(OrderFactory):
    """An employer-funded order of ``quantity`` places for ``organisation`` (pass ``session=``).

    It is built directly, without the places being taken: tests of the lifecycle use the services.
    """

    organisation = factory.SubFactory(OrganisationFactory)
    buyer = factory.SubFactory(UserFactory)
    funding = Funding.EMPLOYER
    status = OrderStatus.PAID
    price_tier_kind = "employer"
    quantity = 3
    amount_incl_tax = factory.LazyAttribute(lambda o: Decimal("1350.00") * o.quantity)
    amount_excl_tax = factory.LazyAttribute(lambda o: Decimal("1350.00") * o.quantity)
    payment_way = PaymentWay.CARD


class SeatFactory(factory.django.DjangoModelFactory):
    """A free seat of ``order``."""

    class Meta:
        model = Seat

    order = factory.SubFactory(CompanyOrderFactory)
    organisation = factory.LazyAttribute(lambda o: o.order.organisation)
    session = factory.LazyAttribute(lambda o: o.order.session)
    status = SeatStatus.FREE
