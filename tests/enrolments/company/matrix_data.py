"""The world of the authorisation matrix: two organisations in every state, and the seven actors.

Built once per test module through the real services (quotes accepted, a card
checkout completed, a transfer invoiced, seats assigned, claimed and revoked),
then kept as plain values (ids, references, tokens): each test reloads what it
needs, so a test that changes a row (inside its own rolled-back savepoint)
never leaks into the next one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.utils import timezone
from wagtail.models import Locale, Page, Site

from catalogue.factories import CoursePageFactory
from catalogue.models import CatalogueIndexPage, HomePage
from courses.factories import SessionFactory
from enrolments.factories import EnrolmentFactory, LegalTextFactory, OrganisationFactory, UserFactory
from enrolments.models import (
    Enrolment,
    EnrolmentStatus,
    Invoice,
    InvoiceKind,
    LegalTextKind,
    Membership,
    MembershipStatus,
    Order,
    OrderStatus,
    Organisation,
    Seat,
    SeatStatus,
)
from enrolments.services.organisations import manager_invite, membership_request
from enrolments.services.quotes import quote_create
from enrolments.services.seats import seat_assign, seat_claim, seat_codes_issue, seat_revoke
from tests.enrolments.company.dashboard_data import CRITERIA
from tests.enrolments.company.release_data import accepted_order, card_paid_order, invoiced_order

ACTORS = ("anonymous", "learner", "manager_a", "manager_b", "employee_a", "finance", "designer")


@dataclass(frozen=True)
class Company:
    """One organisation's ids and secrets: everything its managers may see, and nobody else."""

    pk: int
    public_id: uuid.UUID
    name: str
    siret: str
    billing_email: str
    calendar_token: str
    manager: int
    requested_membership: int
    requester_email: str
    invitation_token: str
    invitee_email: str
    issued_quote: str
    issued_quote_pk: int
    accepted_quote: str
    agreement: str
    paid_order: str
    paid_order_pk: int
    paid_checkout: str
    invoice: int
    invoice_number: str
    pending_order: str
    invoiced_order: str
    invoiced_order_pk: int
    unpaid_invoice: int
    unpaid_invoice_number: str
    unpaid_hosted_id: str
    free_seat: uuid.UUID
    free_code: str
    assigned_seat: uuid.UUID
    assigned_email: str
    assigned_token: str
    claimed_seat: uuid.UUID
    claimed_token: str
    employee: int
    employee_email: str
    employee_name: str
    enrolment: uuid.UUID
    completed_enrolment: uuid.UUID
    completer_name: str

    def secrets(self) -> dict[str, str]:
        """What must never appear on a page shown to someone who is not one of its managers."""
        return {
            "name": self.name,
            "siret": self.siret,
            "public_id": str(self.public_id),
            "billing_email": self.billing_email,
            "calendar_token": self.calendar_token,
            "requester_email": self.requester_email,
            "invitation_token": self.invitation_token,
            "invitee_email": self.invitee_email,
            "issued_quote": self.issued_quote,
            "accepted_quote": self.accepted_quote,
            "agreement": self.agreement,
            "paid_order": self.paid_order,
            "invoice_number": self.invoice_number,
            "pending_order": self.pending_order,
            "invoiced_order": self.invoiced_order,
            "unpaid_invoice_number": self.unpaid_invoice_number,
            "free_code": self.free_code,
            "assigned_email": self.assigned_email,
            "assigned_token": self.assigned_token,
            "claimed_token": self.claimed_token,
            "employee_email": self.employee_email,
            "employee_name": self.employee_name,
            "completer_name": self.completer_name,
        }


@dataclass(frozen=True)
class World:
    a: Company
    b: Company
    session_code: str
    users: dict[str, int]  # actor -> user pk (no "anonymous")


def site_tree():
    """The home page, the catalogue under it and one course (what tests/conftest.py builds per test)."""
    fr = Locale.objects.get_or_create(language_code="fr")[0]
    Locale.objects.get_or_create(language_code="en")
    home = HomePage(title="ALLyS Formation", slug="accueil", hero_title="Se former à l'IA", locale=fr)
    Page.get_first_root_node().add_child(instance=home)
    home.save_revision().publish()
    Site.objects.all().delete()
    Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="ALLyS")
    index = CatalogueIndexPage(title="Formations", slug="formations", intro="<p>Toutes nos formations.</p>")
    home.add_child(instance=index)
    index.save_revision().publish()
    return CoursePageFactory(parent=index, title="Apprentissage frugal", slug="apprentissage-frugal")


def build_company(key: str, name: str, *, session) -> Company:
    """An organisation with a manager and, through the services, an object in every state."""
    domain = f"{key}.example"
    manager = UserFactory(email=f"manager@{domain}", first_name="Morgane", last_name=f"Gestion{key.title()}")
    organisation = OrganisationFactory(name=name, manager=manager, billing_contact_email=f"billing@{domain}")
    requester = UserFactory(email=f"requester@{domain}", last_name=f"Demandeur{key.title()}")
    membership_request(organisation=organisation, user=requester)
    invitation = manager_invite(organisation=organisation, by=manager, email=f"invitee@{domain}")
    issued = quote_create(organisation=organisation, session=session, requested_by=manager, quantity=2)
    parties = {"session": session, "organisation": organisation, "manager": manager}
    paid = card_paid_order(**parties, quantity=5)
    pending = accepted_order(**parties, quantity=1)
    invoiced = invoiced_order(**parties, quantity=1)

    free, codeless, assigned, claimed, completed = Seat.objects.filter(order=paid).order_by("pk")
    # The second free seat is named then taken back, so only the first one gets a code.
    seat_assign(seat=codeless, email=f"former@{domain}", by=manager)
    seat_assign(seat=assigned, email=f"assigned@{domain}", by=manager)
    employee = UserFactory(email=f"employee@{domain}", first_name="Zephyrin", last_name=f"Quillebeuf{key.title()}")
    seat_assign(seat=claimed, email=employee.email, by=manager)
    enrolment = seat_claim(token=Seat.objects.get(pk=claimed.pk).token, user=employee)
    completer = UserFactory(email=f"completer@{domain}", first_name="Ottilie", last_name=f"Achevee{key.title()}")
    seat_assign(seat=completed, email=completer.email, by=manager)
    finished = seat_claim(token=Seat.objects.get(pk=completed.pk).token, user=completer)
    # The course is over for this one (as the LMS completion sync would record it): a certificate exists.
    Enrolment.objects.filter(pk=finished.pk).update(
        status=EnrolmentStatus.COMPLETED, completed_at=timezone.now(), completion_details=CRITERIA
    )
    seat_codes_issue(order=paid, by=manager)
    seat_revoke(seat=Seat.objects.get(pk=codeless.pk), by=manager)
    # Verified to be invoiced above; unverified now, so finance staff have an organisation to verify.
    Organisation.objects.filter(pk=organisation.pk).update(verified_at=None, verified_by=None)

    invoice = Invoice.objects.get(order=paid, kind=InvoiceKind.INVOICE)
    unpaid = Invoice.objects.get(order=invoiced, kind=InvoiceKind.INVOICE)
    seats = {seat.pk: seat for seat in Seat.objects.filter(order=paid)}
    assert seats[codeless.pk].status == SeatStatus.FREE and not seats[codeless.pk].code
    assert seats[free.pk].code and seats[assigned.pk].status == SeatStatus.ASSIGNED
    assert Order.objects.get(pk=paid.pk).status == OrderStatus.PAID and unpaid.paid_at is None
    organisation.refresh_from_db()
    return Company(
        pk=organisation.pk,
        public_id=organisation.public_id,
        name=name,
        siret=organisation.siret,
        billing_email=organisation.billing_contact_email,
        calendar_token=organisation.calendar_token,
        manager=manager.pk,
        requested_membership=Membership.objects.get(user=requester, status=MembershipStatus.REQUESTED).pk,
        requester_email=requester.email,
        invitation_token=invitation.token,
        invitee_email=invitation.email,
        issued_quote=issued.reference,
        issued_quote_pk=issued.pk,
        accepted_quote=paid.agreement.quote.reference,
        agreement=paid.agreement.reference,
        paid_order=paid.reference,
        paid_order_pk=paid.pk,
        paid_checkout=Order.objects.get(pk=paid.pk).checkout_id,
        invoice=invoice.pk,
        invoice_number=invoice.number,
        pending_order=pending.reference,
        invoiced_order=invoiced.reference,
        invoiced_order_pk=invoiced.pk,
        unpaid_invoice=unpaid.pk,
        unpaid_invoice_number=unpaid.number,
        unpaid_hosted_id=unpaid.provider_invoice_id,
        free_seat=seats[free.pk].public_id,
        free_code=seats[free.pk].code,
        assigned_seat=seats[assigned.pk].public_id,
        assigned_email=seats[assigned.pk].email,
        assigned_token=seats[assigned.pk].token,
        claimed_seat=seats[claimed.pk].public_id,
        claimed_token=seats[claimed.pk].token,
        employee=employee.pk,
        employee_email=employee.email,
        employee_name=employee.last_name,
        enrolment=enrolment.public_id,
        completed_enrolment=finished.public_id,
        completer_name=completer.last_name,
    )


def staff_member(username: str, group: str):
    user = UserFactory(username=username, email=f"{username}@allys.example")
    user.groups.add(Group.objects.get(name=group))
    return user


def build_world() -> World:
    course = site_tree()
    for kind in (LegalTextKind.TERMS_OF_SALE, LegalTextKind.INTERNAL_RULES):
        LegalTextFactory(kind=kind)
    start = dt.date.today() + dt.timedelta(days=60)
    session = SessionFactory(course=course, code="IAF-MTX-2027-01", start=start, capacity=40)
    a = build_company("alphaquartz", "Alphaquartz Systemes", session=session)
    b = build_company("betanova", "Betanova Conseil", session=session)
    learner = UserFactory(email="learner@solo.example", last_name="Solitaire")
    other_session = SessionFactory(course=course, code="IAF-MTX-2027-02", start=start + dt.timedelta(days=30))
    EnrolmentFactory(session=other_session, learner=learner)
    users = {
        "learner": learner.pk,
        "manager_a": a.manager,
        "manager_b": b.manager,
        "employee_a": a.employee,
        "finance": staff_member("fanny-finance", "Finance staff").pk,
        "designer": staff_member("denis-designer", "Course designers").pk,
    }
    return World(a=a, b=b, session_code=session.code, users=users)
