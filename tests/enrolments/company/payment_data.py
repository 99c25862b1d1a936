"""Company orders awaiting payment, built through the real quote services, for the payment tests."""

from __future__ import annotations

from django.utils import timezone

from enrolments.factories import OrganisationFactory, UserFactory
from enrolments.models import Order
from enrolments.services.quotes import quote_accept, quote_create

SUCCESS = "http://testserver/entreprises/retour/?checkout_id={CHECKOUT_SESSION_ID}"
CANCEL = "http://testserver/entreprises/commande/"


def company(*, verified: bool = True, manager_email: str = "rh@lumiere.example", **fields):
    """A manager and their organisation (verified by default: it may pay by invoice)."""
    manager = UserFactory(email=manager_email, first_name="Alex")
    defaults = {
        "name": "Lumière Analytics",
        "vat_number": "FR40303265045",
        "billing_contact_name": "Service comptable",
        "billing_contact_email": "compta@lumiere.example",
        "verified_at": timezone.now() if verified else None,
    }
    organisation = OrganisationFactory(manager=manager, **(defaults | fields))
    return manager, organisation


def pending_order(*, session, organisation, manager, quantity: int = 3, language: str = "en") -> Order:
    """A PENDING company order: its quote accepted, its places taken, its agreement issued.

    In English by default: its invoices are written in the agreement's language, and the
    tests read English text (the French translation comes later).
    """
    quote = quote_create(
        organisation=organisation, session=session, requested_by=manager, quantity=quantity, language=language
    )
    return quote_accept(quote=quote, by=manager)
