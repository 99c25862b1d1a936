"""The organisation forms: SIRET and VAT numbers as people type them, and the messages they read."""

import pytest
from django.utils import translation

from enrolments.factories import OrganisationFactory
from enrolments.forms.organisations import InviteForm, JoinForm, OrganisationForm

pytestmark = pytest.mark.django_db

DATA = {
    "name": "Frugal Robotics",
    "siret": "732 829 320 00074",
    "vat_number": "",
    "billing_street_address": "10 rue Mercière",
    "billing_postal_code": "69002",
    "billing_city": "Lyon",
    "billing_country": "France",
    "billing_contact_name": "Comptabilité",
    "billing_contact_email": "compta@frugal.example",
    "opco": "",
}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize("typed", ["732 829 320 00074", "732.829.320.00074", "732-829-320-00074", " 73282932000074 "])
def test_a_siret_typed_with_spaces_dots_or_dashes_is_accepted_in_compact_form(typed):
    form = OrganisationForm({**DATA, "siret": typed})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["siret"] == "73282932000074"


@pytest.mark.parametrize("typed", ["732 829 320 00075", "732 829 320", "ABCDEFGHIJKLMN"])
def test_an_invalid_siret_is_refused_with_a_clear_message(typed):
    form = OrganisationForm({**DATA, "siret": typed})

    assert not form.is_valid()
    assert form.errors["siret"] == ["This SIRET number is not valid: check its 14 digits."]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("FR 40 303 265 045", "FR40303265045"),
        ("fr40-303-265-045", "FR40303265045"),
        ("40 303 265 045", "FR40303265045"),
        ("DE 136 695 976", "DE136695976"),
        ("", ""),
    ],
)
def test_a_vat_number_is_accepted_as_typed_and_kept_compact(typed, stored):
    form = OrganisationForm({**DATA, "vat_number": typed})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["vat_number"] == stored


@pytest.mark.parametrize("typed", ["FR 41 303 265 045", "XX123456789", "12345"])
def test_an_invalid_vat_number_is_refused(typed):
    form = OrganisationForm({**DATA, "vat_number": typed})

    assert not form.is_valid()
    assert form.errors["vat_number"] == ["This VAT number is not valid."]


def test_a_siret_already_registered_points_to_joining_the_organisation():
    existing = OrganisationFactory(siret="73282932000074")

    form = OrganisationForm({**DATA, "siret": "732 829 320 00074"})

    assert not form.is_valid()
    assert form.errors["siret"] == ["An organisation with this SIRET already exists: ask to join it instead."]
    assert form.existing_organisation == existing


def test_an_organisation_keeps_its_own_siret_when_edited():
    organisation = OrganisationFactory(siret="73282932000074", verified_at=None)

    form = OrganisationForm({**DATA, "siret": "732 829 320 00074", "billing_city": "Vienne"}, instance=organisation)

    assert form.is_valid(), form.errors


def test_the_siret_of_a_verified_organisation_cannot_be_changed_in_the_form():
    organisation = OrganisationFactory(siret="73282932000074")

    form = OrganisationForm({**DATA, "siret": "552 100 554 00013"}, instance=organisation)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["siret"] == "73282932000074"


def test_missing_billing_details_are_named():
    form = OrganisationForm({**DATA, "billing_contact_email": "", "billing_city": ""})

    assert not form.is_valid()
    assert form.errors["billing_contact_email"] == ["Please give the email address invoices are sent to."]
    assert form.errors["billing_city"] == ["Please give the city."]


def test_join_finds_the_organisation_by_a_siret_typed_with_spaces():
    organisation = OrganisationFactory(siret="73282932000074")

    form = JoinForm({"siret": "732 829 320 00074"})

    assert form.is_valid(), form.errors
    assert form.organisation == organisation


def test_join_says_when_no_organisation_has_this_siret():
    form = JoinForm({"siret": "732 829 320 00074"})

    assert not form.is_valid()
    assert form.errors["siret"] == ["No organisation with this SIRET is registered yet: you can create it."]
    assert form.has_error("siret", "unknown")


def test_join_refuses_an_invalid_siret():
    form = JoinForm({"siret": "123"})

    assert form.errors["siret"] == ["This SIRET number is not valid: check its 14 digits."]


def test_invite_refuses_an_invalid_email():
    form = InviteForm({"email": "lou@"})

    assert form.errors["email"] == ["Please give a valid email address."]
