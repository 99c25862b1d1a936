"""Payment provider callbacks, mounted at /payments/ without a language prefix."""

from django.urls import path

from enrolments.views import payments

app_name = "payments"
urlpatterns = [
    path("stripe/webhook/", payments.stripe_webhook, name="stripe_webhook"),
    path("dummy/checkout/<str:object_id>/", payments.dummy_checkout, name="dummy_checkout"),
    path("dummy/invoice/<str:object_id>/", payments.dummy_invoice, name="dummy_invoice"),
]
