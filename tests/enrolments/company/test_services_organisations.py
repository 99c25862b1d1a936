"""Organisations and their managers, through the services: what is saved, who is emailed, what is refused."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import override_settings
from django.utils import translation

from enrolments.factories import MembershipFactory, OrganisationFactory, UserFactory
from enrolments.models import Membership, MembershipStatus, Organisation
from enrolments.services.errors import OrganisationError
from enrolments.services.organisations import (
    invitation_accept,
    manager_invite,
    manager_remove,
    membership_decide,
    membership_request,
    organisation_create,
    organisation_update,
    organisation_verify,
)
from enrolments.views.organisation_access import is_manager

pytestmark = pytest.mark.django_db

FIELDS = {
    "name": "Frugal Robotics",
    "siret": "732 829 320 00074",
    "vat_number": "fr 40 303 265 045",
    "billing_street_address": "10 rue Mercière",
    "billing_postal_code": "69002",
    "billing_city": "Lyon",
    "billing_country": "France",
    "billing_contact_name": "Comptabilité",
    "billing_contact_email": "compta@frugal.example",
    "purchase_order_required": True,
    "opco": "atlas",
}


@pytest.fixture(autouse=True)
def english():
    """Refusals are read in English, so assertions do not depend on the French translations."""
    with translation.override("en"):
        yield


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Run the emails queued on commit, as the task worker would."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


@pytest.fixture
def manager(db):
    return UserFactory(email="hr@frugal.example", first_name="Alex", last_name="Durand")


@pytest.fixture
def organisation(manager):
    return OrganisationFactory(name="Frugal Robotics", manager=manager)


# --- creating and editing -------------------------------------------------------------------


@override_settings(ENROLMENT_STAFF_EMAILS=["formation@allys.example"])
def test_creating_an_organisation_makes_its_creator_manager_and_asks_staff_to_verify(sent, manager):
    organisation = sent(organisation_create, created_by=manager, **FIELDS)

    assert organisation.siret == "73282932000074"
    assert organisation.vat_number == "FR40303265045"
    assert organisation.verified_at is None
    assert is_manager(manager, organisation)
    [email] = mail.outbox
    assert email.to == ["formation@allys.example"]
    assert "Frugal Robotics" in email.subject and "73282932000074" in email.subject
    assert "hr@frugal.example" in email.body
    # The link opens the admin page where staff verify this organisation.
    assert f"http://testserver/admin/organisations/verify/{organisation.pk}/" in email.body


def test_an_invalid_siret_is_refused_and_nothing_is_saved(manager):
    with pytest.raises(OrganisationError) as refused:
        organisation_create(created_by=manager, **{**FIELDS, "siret": "732 829 320 00075"})

    assert str(refused.value.message) == "This SIRET number is not valid: check its 14 digits."
    assert not Organisation.objects.exists()


def test_an_invalid_vat_number_is_refused(manager):
    with pytest.raises(OrganisationError) as refused:
        organisation_create(created_by=manager, **{**FIELDS, "vat_number": "FR41303265045"})

    assert str(refused.value.message) == "This VAT number is not valid."


def test_a_french_vat_number_typed_without_its_prefix_is_stored_with_it(manager):
    organisation = organisation_create(created_by=manager, **{**FIELDS, "vat_number": "40.303.265.045"})

    assert organisation.vat_number == "FR40303265045"


def test_a_siret_already_registered_is_refused_with_the_way_to_join(manager):
    OrganisationFactory(siret="73282932000074")

    with pytest.raises(OrganisationError) as refused:
        organisation_create(created_by=manager, **{**FIELDS, "siret": "732.829.320-00074"})

    assert "ask to join it" in str(refused.value.message)
    assert Organisation.objects.count() == 1


def test_a_manager_updates_the_billing_details(organisation, manager):
    organisation_update(organisation=organisation, by=manager, billing_city="Saint-Étienne", vat_number="")

    organisation.refresh_from_db()
    assert organisation.billing_city == "Saint-Étienne"
    assert organisation.vat_number == ""


def test_someone_who_is_not_a_manager_cannot_update_the_organisation(organisation):
    with pytest.raises(OrganisationError):
        organisation_update(organisation=organisation, by=UserFactory(), billing_city="Paris")

    organisation.refresh_from_db()
    assert organisation.billing_city == "Lyon"


def test_the_siret_of_a_verified_organisation_cannot_be_changed(organisation, manager):
    with pytest.raises(OrganisationError):
        organisation_update(organisation=organisation, by=manager, siret="552 100 554 00013")

    organisation.refresh_from_db()
    assert organisation.siret != "55210055400013"


def test_the_siret_of_an_organisation_awaiting_verification_can_be_corrected(manager):
    organisation = OrganisationFactory(manager=manager, verified_at=None)

    organisation_update(organisation=organisation, by=manager, siret="552 100 554 00013")

    organisation.refresh_from_db()
    assert organisation.siret == "55210055400013"


# --- verification ---------------------------------------------------------------------------


def test_staff_verification_records_who_and_when_and_tells_the_managers(sent, manager):
    organisation = OrganisationFactory(name="Frugal Robotics", manager=manager, verified_at=None)
    staff = UserFactory(is_staff=True)

    sent(organisation_verify, organisation=organisation, by=staff)

    organisation.refresh_from_db()
    assert organisation.is_verified and organisation.verified_by == staff
    [email] = mail.outbox
    assert email.to == ["hr@frugal.example"]
    assert "Frugal Robotics" in email.subject
    assert f"/entreprises/{organisation.public_id}/" in email.body


def test_verifying_twice_changes_nothing_and_sends_nothing_more(sent, manager):
    organisation = OrganisationFactory(manager=manager, verified_at=None)
    staff = UserFactory(is_staff=True)
    sent(organisation_verify, organisation=organisation, by=staff)
    first = Organisation.objects.get(pk=organisation.pk).verified_at

    sent(organisation_verify, organisation=organisation, by=UserFactory(is_staff=True))

    organisation.refresh_from_db()
    assert organisation.verified_at == first and organisation.verified_by == staff
    assert len(mail.outbox) == 1


# --- asking to join -------------------------------------------------------------------------


def test_a_join_request_emails_every_active_manager(sent, organisation, manager):
    other_manager = MembershipFactory(organisation=organisation).user
    requester = UserFactory(first_name="Sam", last_name="Petit", email="sam@frugal.example")

    membership = sent(membership_request, organisation=organisation, user=requester)

    assert membership.status == MembershipStatus.REQUESTED
    assert not is_manager(requester, organisation)
    [email] = mail.outbox
    assert sorted(email.to) == sorted([manager.email, other_manager.email])
    assert "Sam Petit" in email.subject
    assert f"/entreprises/{organisation.public_id}/gestionnaires/" in email.body


def test_asking_twice_to_join_is_refused(organisation):
    requester = UserFactory()
    membership_request(organisation=organisation, user=requester)

    with pytest.raises(OrganisationError) as refused:
        membership_request(organisation=organisation, user=requester)

    assert "already asked" in str(refused.value.message)
    assert Membership.objects.filter(user=requester).count() == 1


def test_a_manager_cannot_ask_to_join_their_own_organisation(organisation, manager):
    with pytest.raises(OrganisationError) as refused:
        membership_request(organisation=organisation, user=manager)

    assert "already manage" in str(refused.value.message)


def test_an_approved_request_makes_a_manager_and_tells_them_in_their_language(sent, organisation, manager):
    requester = UserFactory(email="sam@frugal.example", language="en")
    membership = membership_request(organisation=organisation, user=requester)

    sent(membership_decide, membership=membership, by=manager, approve=True)

    assert is_manager(requester, organisation)
    [email] = mail.outbox
    assert email.to == ["sam@frugal.example"]
    assert "You now manage Frugal Robotics" in email.subject


def test_a_declined_request_gives_no_access_and_tells_the_requester(sent, organisation, manager):
    requester = UserFactory(email="sam@frugal.example", language="en")
    membership = membership_request(organisation=organisation, user=requester)

    sent(membership_decide, membership=membership, by=manager, approve=False)

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.DECLINED
    assert membership.decided_by == manager
    assert not is_manager(requester, organisation)
    [email] = mail.outbox
    assert email.to == ["sam@frugal.example"] and "declined" in email.subject


def test_a_declined_person_may_ask_again(organisation, manager):
    requester = UserFactory()
    membership_decide(
        membership=membership_request(organisation=organisation, user=requester), by=manager, approve=False
    )

    again = membership_request(organisation=organisation, user=requester)

    assert again.status == MembershipStatus.REQUESTED


def test_only_a_manager_of_the_same_organisation_decides(organisation):
    membership = membership_request(organisation=organisation, user=UserFactory())
    manager_elsewhere = UserFactory()
    OrganisationFactory(manager=manager_elsewhere)

    with pytest.raises(OrganisationError):
        membership_decide(membership=membership, by=manager_elsewhere, approve=True)

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.REQUESTED


def test_a_request_already_answered_cannot_be_answered_again(organisation, manager):
    membership = membership_request(organisation=organisation, user=UserFactory())
    membership_decide(membership=membership, by=manager, approve=False)

    with pytest.raises(OrganisationError) as refused:
        membership_decide(membership=membership, by=manager, approve=True)

    assert "already been answered" in str(refused.value.message)


# --- invitations ----------------------------------------------------------------------------


def test_an_invitation_emails_a_link_with_its_secret(sent, organisation, manager):
    invitation = sent(manager_invite, organisation=organisation, by=manager, email=" Lou@Frugal.example ")

    assert invitation.status == MembershipStatus.INVITED
    assert invitation.user is None and invitation.invited_by == manager
    [email] = mail.outbox
    assert email.to == ["Lou@frugal.example"]
    assert f"http://testserver/entreprises/invitations/{invitation.token}/" in email.body
    assert "Alex Durand" in email.body


def test_inviting_the_same_address_again_resends_the_same_invitation(sent, organisation, manager):
    first = sent(manager_invite, organisation=organisation, by=manager, email="lou@frugal.example")

    again = sent(manager_invite, organisation=organisation, by=manager, email="LOU@frugal.example")

    assert again.pk == first.pk and again.token == first.token
    assert Membership.objects.filter(status=MembershipStatus.INVITED).count() == 1
    assert len(mail.outbox) == 2
    assert first.token in mail.outbox[1].body


def test_inviting_someone_who_already_manages_is_refused(organisation, manager):
    colleague = MembershipFactory(organisation=organisation, user=UserFactory(email="lou@frugal.example")).user

    with pytest.raises(OrganisationError) as refused:
        manager_invite(organisation=organisation, by=manager, email="Lou@Frugal.example")

    assert "already a manager" in str(refused.value.message)
    assert is_manager(colleague, organisation)
    assert not Membership.objects.filter(status=MembershipStatus.INVITED).exists()


def test_only_a_manager_invites(organisation):
    with pytest.raises(OrganisationError):
        manager_invite(organisation=organisation, by=UserFactory(), email="lou@frugal.example")

    assert not Membership.objects.filter(status=MembershipStatus.INVITED).exists()


def test_an_invalid_email_is_refused(organisation, manager):
    with pytest.raises(OrganisationError) as refused:
        manager_invite(organisation=organisation, by=manager, email="lou@")

    assert "valid email" in str(refused.value.message)


def test_the_invited_person_accepts_with_the_same_email_in_any_case(organisation, manager):
    invitation = manager_invite(organisation=organisation, by=manager, email="lou@frugal.example")
    lou = UserFactory(email="Lou@Frugal.Example")

    membership = invitation_accept(token=invitation.token, user=lou)

    assert membership.pk == invitation.pk and membership.status == MembershipStatus.ACTIVE
    assert is_manager(lou, organisation)


def test_an_invitation_is_accepted_through_a_verified_secondary_address(organisation, manager):
    invitation = manager_invite(organisation=organisation, by=manager, email="lou@frugal.example")
    lou = UserFactory(email="lou@home.example")
    EmailAddress.objects.create(user=lou, email="lou@frugal.example", verified=True, primary=False)

    invitation_accept(token=invitation.token, user=lou)

    assert is_manager(lou, organisation)


def test_an_unverified_secondary_address_does_not_accept_an_invitation(organisation, manager):
    invitation = manager_invite(organisation=organisation, by=manager, email="lou@frugal.example")
    someone = UserFactory(email="someone@home.example")
    EmailAddress.objects.create(user=someone, email="lou@frugal.example", verified=False, primary=False)

    with pytest.raises(OrganisationError):
        invitation_accept(token=invitation.token, user=someone)

    assert not is_manager(someone, organisation)


def test_another_account_is_told_which_address_the_invitation_is_for(organisation, manager):
    invitation = manager_invite(organisation=organisation, by=manager, email="lou@frugal.example")
    someone = UserFactory(email="someone@else.example")

    with pytest.raises(OrganisationError) as refused:
        invitation_accept(token=invitation.token, user=someone)

    assert "lou@frugal.example" in str(refused.value.message)
    assert not is_manager(someone, organisation)
    invitation.refresh_from_db()
    assert invitation.status == MembershipStatus.INVITED


def test_an_unknown_token_is_refused():
    with pytest.raises(OrganisationError) as refused:
        invitation_accept(token="not-a-token", user=UserFactory())

    assert "no longer valid" in str(refused.value.message)


def test_accepting_an_invitation_replaces_a_pending_join_request(organisation, manager):
    lou = UserFactory(email="lou@frugal.example")
    membership_request(organisation=organisation, user=lou)
    invitation = manager_invite(organisation=organisation, by=manager, email="lou@frugal.example")

    invitation_accept(token=invitation.token, user=lou)

    assert is_manager(lou, organisation)
    assert list(Membership.objects.filter(user=lou).values_list("status", flat=True)) == [MembershipStatus.ACTIVE]


# --- removing -------------------------------------------------------------------------------


def test_the_last_manager_cannot_be_removed(organisation, manager):
    membership = Membership.objects.get(user=manager)

    with pytest.raises(OrganisationError) as refused:
        manager_remove(membership=membership, by=manager)

    assert "at least one manager" in str(refused.value.message)
    assert is_manager(manager, organisation)


def test_a_manager_removes_another_who_loses_access(organisation, manager):
    colleague = MembershipFactory(organisation=organisation)

    manager_remove(membership=colleague, by=manager)

    colleague.refresh_from_db()
    assert colleague.status == MembershipStatus.REVOKED
    assert not is_manager(colleague.user, organisation)


def test_a_manager_may_leave_when_another_remains(organisation, manager):
    MembershipFactory(organisation=organisation)

    manager_remove(membership=Membership.objects.get(user=manager), by=manager)

    assert not is_manager(manager, organisation)


def test_a_withdrawn_invitation_can_no_longer_be_accepted(organisation, manager):
    invitation = manager_invite(organisation=organisation, by=manager, email="lou@frugal.example")
    manager_remove(membership=invitation, by=manager)

    with pytest.raises(OrganisationError):
        invitation_accept(token=invitation.token, user=UserFactory(email="lou@frugal.example"))


def test_a_manager_of_another_organisation_cannot_remove_anyone(organisation):
    colleague = MembershipFactory(organisation=organisation)
    manager_elsewhere = UserFactory()
    OrganisationFactory(manager=manager_elsewhere)

    with pytest.raises(OrganisationError):
        manager_remove(membership=colleague, by=manager_elsewhere)

    assert is_manager(colleague.user, organisation)
