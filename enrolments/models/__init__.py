"""Everything transactional: accounts, orders, enrolments, payments, documents."""

from .accounts import Civility, ProfessionalStatus, User
from .attendance import Attendance, AttendanceStatus
from .enrolment import Enrolment, EnrolmentStatus, FundingRequest, FundingRequestKind, WaitlistEntry, WaitlistStatus
from .invoices import Invoice, InvoiceKind, InvoicePayer, InvoiceSequence
from .legal import LegalText, LegalTextKind
from .orders import Funding, Instalment, InstalmentStatus, Order, OrderStatus, PaymentWay, Refund
from .organisations import Membership, MembershipStatus, Opco, Organisation
from .payments import DummyCheckout, WebhookEvent
from .quotes import Agreement, Quote, QuoteStatus
from .seats import Seat, SeatStatus

__all__ = [
    "Agreement",
    "Attendance",
    "AttendanceStatus",
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
    "InvoicePayer",
    "InvoiceSequence",
    "LegalText",
    "LegalTextKind",
    "Membership",
    "MembershipStatus",
    "Opco",
    "Order",
    "OrderStatus",
    "Organisation",
    "PaymentWay",
    "ProfessionalStatus",
    "Quote",
    "QuoteStatus",
    "Refund",
    "Seat",
    "SeatStatus",
    "User",
    "WaitlistEntry",
    "WaitlistStatus",
    "WebhookEvent",
]
