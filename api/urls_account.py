"""The signed-in API (session or personal token): ``me/…`` and the managers' ``organisations/…``."""

from django.urls import path

from api import account_views, organisation_views

ORG = "organisations/<uuid:org>/"
SEAT = ORG + "seats/<uuid:seat>/"

urlpatterns = [
    path("me/", account_views.ProfileView.as_view(), name="me"),
    path("me/enrolments/", account_views.EnrolmentListView.as_view(), name="me_enrolments"),
    path(
        "me/enrolments/<uuid:public_id>/cancel/",
        account_views.EnrolmentCancelView.as_view(),
        name="me_enrolment_cancel",
    ),
    path("organisations/", organisation_views.OrganisationListView.as_view(), name="organisations"),
    path(ORG + "seats/", organisation_views.SeatListView.as_view(), name="organisation_seats"),
    path(SEAT + "assign/", organisation_views.SeatAssignView.as_view(), name="organisation_seat_assign"),
    path(SEAT + "reassign/", organisation_views.SeatReassignView.as_view(), name="organisation_seat_reassign"),
    path(SEAT + "revoke/", organisation_views.SeatRevokeView.as_view(), name="organisation_seat_revoke"),
    path(ORG + "orders/", organisation_views.OrderListView.as_view(), name="organisation_orders"),
    path(ORG + "invoices/", organisation_views.InvoiceListView.as_view(), name="organisation_invoices"),
]
