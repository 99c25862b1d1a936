"""The account pages of our own, next to allauth's (both under /accounts/)."""

from django.urls import path

from enrolments.views.profile import profile_edit

app_name = "account_profile"
urlpatterns = [
    path("profile/", profile_edit, name="edit"),
]
