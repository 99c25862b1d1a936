"""The company space, mounted at /entreprises/ (and /en/entreprises/) inside i18n_patterns.

Every page under ``<uuid:org>/`` is for that organisation's active managers
only (``organisation_access.manager_required``): anyone else gets a 404, so
the URL does not even tell them the organisation exists. The claim link and
the code form are for employees; the buy page for any logged-in professional.
"""

from django.urls import path

from enrolments.views import (
    organisation_dashboard,
    organisation_members,
    organisation_payments,
    organisation_quotes,
    organisation_seats,
    organisations,
    seat_claims,
)

app_name = "organisations"
urlpatterns = [
    # Any logged-in professional: their organisations, creating one, asking to join one.
    path("", organisations.index, name="index"),
    path("creer/", organisations.create, name="create"),
    path("rejoindre/", organisations.join, name="join"),
    path("invitations/<str:token>/", organisation_members.accept_invitation, name="accept_invitation"),
    # Buying seats from a session page (the buyer picks which of their organisations buys).
    path("reserver/<str:code>/", organisation_quotes.buy, name="buy"),
    # Employees: the claim link of an assigned seat, and the single-use code form.
    path("places/<str:token>/", seat_claims.claim, name="claim"),
    path("code/", seat_claims.redeem, name="redeem"),
    # An organisation's managers only.
    path("<uuid:org>/", organisation_dashboard.overview, name="overview"),
    path("<uuid:org>/documents/", organisation_dashboard.documents, name="documents"),
    path("<uuid:org>/factures/<int:pk>.pdf", organisation_dashboard.invoice_pdf, name="invoice_pdf"),
    path(
        "<uuid:org>/attestations/<uuid:enrolment>.pdf", organisation_dashboard.certificate_pdf, name="certificate_pdf"
    ),
    path(
        "<uuid:org>/certificats-de-realisation/<uuid:enrolment>.pdf",
        organisation_dashboard.realisation_pdf,
        name="realisation_pdf",
    ),
    path("<uuid:org>/calendrier/nouvelle-adresse/", organisation_dashboard.feed_regenerate, name="feed_regenerate"),
    path("<uuid:org>/profil/", organisations.edit, name="edit"),
    path("<uuid:org>/gestionnaires/", organisation_members.members, name="members"),
    path("<uuid:org>/gestionnaires/<int:pk>/decision/", organisation_members.decide, name="member_decide"),
    path("<uuid:org>/devis/<str:reference>/", organisation_quotes.quote_detail, name="quote"),
    path("<uuid:org>/devis/<str:reference>/accepter/", organisation_quotes.quote_accept, name="quote_accept"),
    path("<uuid:org>/devis/<str:reference>.pdf", organisation_quotes.quote_pdf, name="quote_pdf"),
    path("<uuid:org>/conventions/<str:reference>.pdf", organisation_quotes.agreement_pdf, name="agreement_pdf"),
    path("<uuid:org>/commandes/<str:reference>/", organisation_payments.order_detail, name="order"),
    path("<uuid:org>/commandes/<str:reference>/retour/", organisation_payments.order_return, name="order_return"),
    path("<uuid:org>/commandes/<str:reference>/places/", organisation_seats.seats, name="seats"),
    path("<uuid:org>/commandes/<str:reference>/codes.csv", organisation_seats.codes_csv, name="seat_codes"),
    path("<uuid:org>/places/<uuid:seat>/reattribuer/", organisation_seats.reassign, name="seat_reassign"),
    path("<uuid:org>/places/<uuid:seat>/revoquer/", organisation_seats.revoke, name="seat_revoke"),
]
