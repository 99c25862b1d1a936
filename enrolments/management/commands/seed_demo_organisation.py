"""Seed the demo company: a verified organisation managed by the demo account ``entreprise``, with seats.

Run after ``seed_demo`` (``make demo`` does). It goes through the real
services, as a manager would: a quote accepted for 4 places on an open
session, invoiced for payment by bank transfer, the transfer recorded by
finance, one seat assigned to an employee. A second quote waits for
acceptance. Idempotent: an existing demo organisation is left as it is.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from courses.availability import SessionState
from courses.models import PriceTierKind, Session
from enrolments.models import Organisation, PaymentWay
from enrolments.services.company_payments import invoice_company_order
from enrolments.services.company_settlement import record_invoice_paid
from enrolments.services.organisations import organisation_create, organisation_verify
from enrolments.services.quotes import quote_accept, quote_create
from enrolments.services.seats import seat_assign

DEMO_SIRET = "73282932000074"
MANAGER_USERNAME = "entreprise"
FINANCE_USERNAME = "finance"
EMPLOYEE_EMAIL = "salarie@lumiere-analytics.example"


class Command(BaseCommand):
    help = "Create the demo organisation (Lumière Analytics) with a paid order of seats and an open quote."

    def handle(self, *args, **options) -> None:
        if Organisation.objects.filter(siret=DEMO_SIRET).exists():
            self.stdout.write("The demo organisation exists already.")
            return
        users = get_user_model().objects
        try:
            manager = users.get(username=MANAGER_USERNAME)
            finance = users.get(username=FINANCE_USERNAME)
        except get_user_model().DoesNotExist:
            raise CommandError("Run seed_demo first: it creates the demo accounts.") from None
        sessions = self._open_sessions(2)
        if len(sessions) < 2:
            raise CommandError("The demo needs two sessions open for enrolment with an employer-funded price.")
        with transaction.atomic():
            organisation = organisation_create(
                created_by=manager,
                name="Lumière Analytics SAS",
                siret=DEMO_SIRET,
                vat_number="FR44732829320",
                billing_street_address="20 quai Claude Bernard",
                billing_postal_code="69007",
                billing_city="Lyon",
                billing_country="France",
                billing_contact_name="Service comptabilité",
                billing_contact_email="compta@lumiere-analytics.example",
                purchase_order_required=True,
                opco="atlas",
            )
            organisation_verify(organisation=organisation, by=finance)
            quote = quote_create(organisation=organisation, session=sessions[0], requested_by=manager, quantity=4)
            order = quote_accept(quote=quote, by=manager)
        [invoice] = invoice_company_order(
            order=order, by=manager, payment_way=PaymentWay.TRANSFER, purchase_order_number="BC-2026-118"
        )
        record_invoice_paid(invoice=invoice, by=finance, reference="VIR-DEMO-0001")
        seat_assign(seat=order.seats.order_by("pk").first(), email=EMPLOYEE_EMAIL, by=manager)
        quote_create(organisation=organisation, session=sessions[1], requested_by=manager, quantity=2)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo organisation ready: {organisation.name}, order {order.reference} paid (4 seats, 1 assigned), "
                f"an open quote for {sessions[1].code}. Manager: {manager.email}."
            )
        )

    @staticmethod
    def _open_sessions(count: int) -> list[Session]:
        now = timezone.now()
        candidates = (
            Session.objects.filter(starts_at__gt=now, price_tiers__kind=PriceTierKind.EMPLOYER)
            .select_related("course")
            .order_by("starts_at")
        )
        found = []
        for session in candidates.iterator():
            if session.state(now) == SessionState.OPEN and session.places_left >= 4:
                found.append(session)
                if len(found) == count:
                    break
        return found
