"""Everything transactional: accounts, orders, enrolments, payments, documents."""

from .accounts import Civility, ProfessionalStatus, User
from .enrolment import Enrolment, EnrolmentStatus, FundingRequest, FundingRequestKind, WaitlistEntry, WaitlistStatus
from .invoices import Invoice, InvoiceKind, InvoiceSequence
from .legal import LegalText, LegalTextKind
from .orders import Funding, Instalment, InstalmentStatus, Order, OrderStatus, Refund
from .payments import DummyCheckout, WebhookEvent

__all__ = [
    "Civility",
    "DummyCheckout",
    "Enrolment",
    "EnrolmentStatus",
    "Funding",
    "FundingRequest",
    "FundingRequestKind",
    "Instalment",
    "InstalmentStatus",
    "Invoice",
    "InvoiceKind",
    "InvoiceSequence",
    "LegalText",
    "LegalTextKind",
    "Order",
    "OrderStatus",
    "ProfessionalStatus",
    "Refund",
    "User",
    "WaitlistEntry",
    "WaitlistStatus",
    "WebhookEvent",
]
