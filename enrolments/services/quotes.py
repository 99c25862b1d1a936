"""Company purchases: a quote for N places, accepted online into an order and a training agreement.

Lifecycle of a quote (``QuoteStatus``)::

    ISSUED ──accept──▶ ACCEPTED   (places taken, Order PENDING + Agreement)
       │ ├──cancel──▶ CANCELLED
       │ └──expire──▶ EXPIRED     (valid_until passed; also when someone tries to accept it late)

The price is frozen from the session's employer-funded tier when the quote is
issued. Issuing a quote takes no place: the places are taken once, when it
is accepted, under the session's row lock, so two companies accepting at the
same time for the last places can never both get them. They are given back
only when the order is released or cancelled (not here).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from courses.availability import SessionState
from courses.models import PriceTier, PriceTierKind, Session
from enrolments import emails
from enrolments.documents.company import agreement_content
from enrolments.models import (
    Agreement,
    Funding,
    Membership,
    MembershipStatus,
    Order,
    OrderStatus,
    Organisation,
    Quote,
    QuoteStatus,
)
from enrolments.services.capacity import lock_session, take_places
from enrolments.services.errors import EnrolmentRefused, SessionFull

__all__ = ["QuoteRefused", "expire_quotes", "quote_accept", "quote_cancel", "quote_create", "release_date"]

# An unpaid order always leaves the company at least this many days to pay before its places are released.
MIN_DAYS_TO_PAY = 3


class QuoteRefused(EnrolmentRefused):
    """A quote cannot be issued, accepted or cancelled; ``message`` says why, in the person's language."""


def _is_manager(user, organisation: Organisation) -> bool:
    return Membership.objects.filter(organisation=organisation, user=user, status=MembershipStatus.ACTIVE).exists()


def _not_enough_places(places_left: int) -> str:
    if places_left <= 0:
        return _("Sorry, no places are left in this session.")
    return ngettext(
        "Only %(count)d place is left in this session.",
        "Only %(count)d places are left in this session.",
        places_left,
    ) % {"count": places_left}


def employer_tier(session: Session) -> PriceTier | None:
    """The session's employer-funded price tier (read from prefetched tiers when there are any)."""
    return next((tier for tier in session.price_tiers.all() if tier.kind == PriceTierKind.EMPLOYER), None)


def _buyer(organisation: Organisation) -> dict:
    """The organisation as the quote and the agreement name it, frozen."""
    return {
        "name": organisation.name,
        "siret": organisation.siret,
        "vat_number": organisation.vat_number,
        "address": organisation.billing_address,
        "street_address": organisation.billing_street_address,
        "postal_code": organisation.billing_postal_code,
        "city": organisation.billing_city,
        "country": organisation.billing_country,
        "contact_name": organisation.billing_contact_name,
        "contact_email": organisation.billing_contact_email,
        "email": organisation.billing_contact_email,
    }


def _valid_until(session: Session, today: dt.date) -> dt.date:
    """COMPANY_QUOTE_VALID_DAYS from today, but never after enrolment in the session closes."""
    closes_on = timezone.localdate(session.effective_enrolment_closes_at)
    return min(today + dt.timedelta(days=settings.COMPANY_QUOTE_VALID_DAYS), closes_on)


def release_date(session: Session, today: dt.date) -> dt.date:
    """When the places of an unpaid order are released (Europe/Paris dates).

    COMPANY_UNPAID_RELEASE_DAYS before the start, but never sooner than
    MIN_DAYS_TO_PAY days from today, and never later than the day before the start.
    """
    starts_on = timezone.localdate(session.starts_at)
    release_on = max(
        starts_on - dt.timedelta(days=settings.COMPANY_UNPAID_RELEASE_DAYS),
        today + dt.timedelta(days=MIN_DAYS_TO_PAY),
    )
    return min(release_on, starts_on - dt.timedelta(days=1))


def quote_create(
    *,
    organisation: Organisation,
    session: Session,
    requested_by,
    quantity: int,
    now: dt.datetime | None = None,
    language: str = "fr",
) -> Quote:
    """Issue a quote for ``quantity`` places of ``session`` at its employer-funded price.

    The requester must manage the organisation; the session must be open for
    enrolment with at least ``quantity`` places left (checked again when the
    quote is accepted). Emails the quote to the requester.
    """
    now = now or timezone.now()
    if not _is_manager(requested_by, organisation):
        raise QuoteRefused(_("Only the managers of this organisation can ask for a quote in its name."))
    if quantity < 1:
        raise QuoteRefused(_("Please book at least one place."))
    state = session.state(now)
    if state not in (SessionState.OPEN, SessionState.FULL):
        raise QuoteRefused(_("This session is not open for enrolment."))
    if quantity > session.places_left:
        raise QuoteRefused(_not_enough_places(session.places_left))
    tier = employer_tier(session)
    if tier is None:
        raise QuoteRefused(_("This session has no price for employer-funded places; please contact us."))

    today = timezone.localdate(now)
    with transaction.atomic():
        quote = Quote.objects.create(
            organisation=organisation,
            session=session,
            requested_by=requested_by,
            quantity=quantity,
            price_tier_kind=tier.kind,
            unit_amount_excl_tax=tier.amount_excl_tax,
            unit_amount_incl_tax=tier.amount_incl_tax,
            vat_rate=tier.effective_vat_rate,
            vat_exempt=tier.vat_exempt,
            currency=tier.currency,
            status=QuoteStatus.ISSUED,
            issued_at=now,
            valid_until=_valid_until(session, today),
            language=language,
            buyer=_buyer(organisation),
        )
        emails.notify("quote_issued", quote.pk)
    return quote


@dataclass(frozen=True, slots=True)
class _Outcome:
    order: Order | None = None
    refusal: str = ""


def quote_accept(*, quote: Quote, by, now: dt.datetime | None = None) -> Order:
    """Accept ``quote`` for its organisation: take the places, create the company order and the agreement.

    Idempotent: accepting an accepted quote returns its order. A quote past
    its validity is marked EXPIRED and refused; a session without enough
    places left raises SessionFull and changes nothing.
    """
    now = now or timezone.now()
    outcome = _accept(quote_id=quote.pk, by=by, now=now)
    if outcome.refusal:
        raise QuoteRefused(outcome.refusal)
    return outcome.order


def _accept(*, quote_id: int, by, now: dt.datetime) -> _Outcome:
    today = timezone.localdate(now)
    with transaction.atomic():
        # The quote first, then the session: a double click waits here and then finds it accepted.
        quote = (
            Quote.objects.select_for_update(of=("self",))
            .select_related("organisation", "session__course", "session__venue")
            .get(pk=quote_id)
        )
        if not _is_manager(by, quote.organisation):
            return _Outcome(refusal=_("Only the managers of this organisation can accept its quotes."))
        if quote.status == QuoteStatus.ACCEPTED:
            return _Outcome(order=Order.objects.get(agreement__quote=quote))
        if quote.status == QuoteStatus.CANCELLED:
            return _Outcome(refusal=_("This quote was cancelled: please ask for a new one."))
        if quote.status == QuoteStatus.EXPIRED or quote.valid_until < today:
            if quote.status != QuoteStatus.EXPIRED:
                # Kept, not rolled back: the refusal is returned, not raised, inside the transaction.
                quote.status = QuoteStatus.EXPIRED
                quote.save(update_fields=["status", "updated_at"])
            return _Outcome(refusal=_("This quote has expired: please ask for a new one."))

        # Read before the session lock, which then covers only the count and the commit.
        content = agreement_content(quote.session, quote.language)
        session = lock_session(quote.session_id)
        session.course = quote.session.course  # already loaded: no query under the lock
        if session.state(now) not in (SessionState.OPEN, SessionState.FULL):
            return _Outcome(refusal=_("Enrolment in this session has closed."))
        if session.places_left < quote.quantity:
            raise SessionFull(
                _not_enough_places(session.places_left) + " " + _("Please ask for a quote for fewer places.")
            )
        take_places(session, quote.quantity)

        order = Order.objects.create(
            organisation=quote.organisation,
            buyer=by,
            session=session,
            funding=Funding.EMPLOYER,
            status=OrderStatus.PENDING,
            quantity=quote.quantity,
            price_tier_kind=quote.price_tier_kind,
            amount_excl_tax=quote.total_excl_tax,
            amount_incl_tax=quote.total_incl_tax,
            vat_rate=quote.vat_rate,
            vat_exempt=quote.vat_exempt,
            currency=quote.currency,
            payment_backend=settings.PAYMENT_BACKEND,
            release_on=release_date(session, today),
        )
        Agreement.objects.create(
            quote=quote,
            order=order,
            organisation=quote.organisation,
            issued_at=now,
            language=quote.language,
            content=content,
        )
        quote.status = QuoteStatus.ACCEPTED
        quote.accepted_at = now
        quote.accepted_by = by
        quote.save(update_fields=["status", "accepted_at", "accepted_by", "updated_at"])
        emails.notify("quote_accepted", quote.pk)
        emails.notify("quote_accepted_staff", quote.pk)
        return _Outcome(order=order)


def quote_cancel(*, quote: Quote, by) -> Quote:
    """Withdraw an issued quote (a manager of its organisation, or staff). Idempotent."""
    with transaction.atomic():
        quote = Quote.objects.select_for_update().get(pk=quote.pk)
        if quote.status == QuoteStatus.CANCELLED:
            return quote
        if not (getattr(by, "is_staff", False) or _is_manager(by, quote.organisation)):
            raise QuoteRefused(_("Only the managers of this organisation can cancel its quotes."))
        if quote.status != QuoteStatus.ISSUED:
            raise QuoteRefused(_("Only a quote awaiting acceptance can be cancelled."))
        quote.status = QuoteStatus.CANCELLED
        quote.save(update_fields=["status", "updated_at"])
        return quote


def expire_quotes(*, now: dt.datetime | None = None) -> int:
    """Mark EXPIRED every issued quote whose last valid day has passed; returns how many (periodic job)."""
    now = now or timezone.now()
    return Quote.objects.filter(status=QuoteStatus.ISSUED, valid_until__lt=timezone.localdate(now)).update(
        status=QuoteStatus.EXPIRED, updated_at=now
    )
