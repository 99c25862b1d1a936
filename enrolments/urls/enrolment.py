"""The enrolment flow, mounted at /inscription/ (and /en/inscription/) inside i18n_patterns."""

from django.urls import path

from enrolments.views import enrolment, enrolment_requests, enrolment_returns

app_name = "enrol"
urlpatterns = [
    # Returns from the payment page, and where the enrolment stands (the learner's own only).
    path("retour/<uuid:public_id>/", enrolment_returns.checkout_return, name="return"),
    path("annulation/<uuid:public_id>/", enrolment_returns.checkout_cancel, name="cancel"),
    path("confirmation/<uuid:public_id>/", enrolment_returns.confirmation, name="confirmation"),
    # The steps, for one session given by its code.
    path("<str:code>/", enrolment.choose_funding, name="choose"),
    path("<str:code>/conditions/", enrolment.conditions, name="conditions"),
    path("<str:code>/demande-de-devis/", enrolment_requests.quote_request, name="quote"),
    path("<str:code>/demande-de-devis/envoyee/", enrolment_requests.quote_sent, name="quote_sent"),
    path("<str:code>/liste-attente/", enrolment_requests.waitlist, name="waitlist"),
]
