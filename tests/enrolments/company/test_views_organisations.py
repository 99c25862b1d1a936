"""The organisation pages as people see them: my organisations, registering, joining, managers, invitations."""

import re

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from enrolments.factories import MembershipFactory, OrganisationFactory, UserFactory
from enrolments.models import Membership, MembershipStatus, Organisation
from enrolments.services.organisations import manager_invite, membership_request
from enrolments.views.organisation_access import is_manager

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Frugal Robotics",
    "siret": "732 829 320 00074",
    "vat_number": "FR 40 303 265 045",
    "billing_street_address": "10 rue Mercière",
    "billing_postal_code": "69002",
    "billing_city": "Lyon",
    "billing_country": "France",
    "billing_contact_name": "Comptabilité",
    "billing_contact_email": "compta@frugal.example",
    "opco": "",
}


def url(name: str, *args) -> str:
    """The English URL, so assertions on text do not depend on the French translations."""
    with translation.override("en"):
        return reverse(f"organisations:{name}", args=args)


def page(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def text(soup) -> str:
    return re.sub(r"\s+", " ", soup.get_text(" ")).strip()


def followed(client, response):
    """The page a redirect leads to (its flash messages included)."""
    assert response.status_code == 302
    return client.get(response["Location"])


@pytest.fixture
def manager(db):
    return UserFactory(email="hr@frugal.example", first_name="Alex", last_name="Durand")


@pytest.fixture
def organisation(manager):
    return OrganisationFactory(name="Frugal Robotics", siret="73282932000074", manager=manager)


@pytest.fixture
def outsider_manager(db):
    """The active manager of another organisation."""
    user = UserFactory(email="boss@other.example")
    OrganisationFactory(name="Other Corp", manager=user)
    return user


# --- who may see what -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["index", "create", "join"])
def test_anonymous_people_are_sent_to_sign_in(client, name):
    response = client.get(url(name))

    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/?next=")


@pytest.mark.parametrize("name", ["edit", "members"])
def test_anonymous_people_are_sent_to_sign_in_from_an_organisation_page(client, organisation, name):
    response = client.get(url(name, organisation.public_id))

    assert response["Location"].startswith("/en/accounts/login/?next=")


def test_anonymous_people_are_sent_to_sign_in_from_a_decision(client, organisation):
    pk = Membership.objects.get(organisation=organisation).pk

    response = client.post(url("member_decide", organisation.public_id, pk), {"action": "remove"})

    assert response["Location"].startswith("/en/accounts/login/?next=")
    assert Membership.objects.get(pk=pk).status == MembershipStatus.ACTIVE


def test_anonymous_people_are_sent_to_sign_in_from_an_invitation(client, organisation, manager):
    invitation = manager_invite(organisation=organisation, by=manager, email="lou@frugal.example")

    response = client.get(url("accept_invitation", invitation.token))

    assert response["Location"].startswith("/en/accounts/login/?next=")


@pytest.mark.parametrize("name", ["edit", "members"])
def test_a_manager_of_another_organisation_gets_a_404(client, organisation, outsider_manager, name):
    client.force_login(outsider_manager)

    assert client.get(url(name, organisation.public_id)).status_code == 404
    assert client.post(url(name, organisation.public_id), {**FORM, "email": "x@y.example"}).status_code == 404
    organisation.refresh_from_db()
    assert organisation.billing_city == "Lyon"


def test_a_manager_of_another_organisation_cannot_decide_on_its_members(client, organisation, outsider_manager):
    request = membership_request(organisation=organisation, user=UserFactory())
    client.force_login(outsider_manager)
    own = Organisation.objects.get(name="Other Corp")

    # Through the other organisation's URL, and through their own with a foreign membership id.
    assert (
        client.post(url("member_decide", organisation.public_id, request.pk), {"action": "approve"}).status_code == 404
    )
    assert client.post(url("member_decide", own.public_id, request.pk), {"action": "approve"}).status_code == 404
    request.refresh_from_db()
    assert request.status == MembershipStatus.REQUESTED


# --- my organisations -----------------------------------------------------------------------


def test_my_organisations_show_their_verification_my_requests_and_my_invitations(client, manager, organisation):
    OrganisationFactory(name="New Startup", manager=manager, verified_at=None)
    membership_request(organisation=OrganisationFactory(name="Asked Corp"), user=manager)
    inviter = UserFactory()
    manager_invite(
        organisation=OrganisationFactory(name="Inviting Corp", manager=inviter), by=inviter, email="HR@frugal.example"
    )
    client.force_login(manager)

    soup = page(client.get(url("index")))

    cards = {card.h3.get_text(strip=True): text(card) for card in soup.select("#managed-title ~ ul > li")}
    assert "Verified" in cards["Frugal Robotics"]
    assert "Awaiting verification" in cards["New Startup"]
    assert "Asked Corp" in text(soup.find(id="requests-title").parent)
    invitation_links = [a["href"] for a in soup.find(id="invitations-title").parent.find_all("a")]
    assert invitation_links == [url("accept_invitation", Membership.objects.get(status="invited").token)]
    assert soup.find("a", href=url("create")) and soup.find("a", href=url("join"))


def test_my_organisations_page_takes_the_same_queries_whatever_the_number(client, manager):
    client.force_login(manager)
    OrganisationFactory(manager=manager)
    with CaptureQueriesContext(connection) as few:
        client.get(url("index"))
    for _ in range(4):
        OrganisationFactory(manager=manager, verified_at=None)
        membership_request(organisation=OrganisationFactory(), user=manager)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url("index"))

    assert response.status_code == 200
    assert len(many) == len(few)


def test_the_english_pages_are_under_en_entreprises(client, manager, organisation):
    client.force_login(manager)

    response = client.get("/en/entreprises/")

    soup = page(response)
    assert soup.html["lang"] == "en"
    assert soup.h1.get_text(strip=True) == "My organisations"
    assert url("members", organisation.public_id) == f"/en/entreprises/{organisation.public_id}/gestionnaires/"
    assert page(client.get(f"/entreprises/{organisation.public_id}/gestionnaires/")).html["lang"] == "fr"


def test_the_learner_space_links_to_my_organisations(client, manager):
    client.force_login(manager)

    soup = page(client.get("/en/mon-espace/"))

    assert soup.find("nav", class_="dashboard-menu").find("a", href=url("index"))


# --- registering an organisation ------------------------------------------------------------


def test_registering_an_organisation_makes_me_its_manager_and_tells_staff(
    client, manager, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("create"), FORM)

    assert response.status_code == 302 and response["Location"] == url("index")
    organisation = Organisation.objects.get()
    assert (organisation.siret, organisation.vat_number) == ("73282932000074", "FR40303265045")
    assert is_manager(manager, organisation)
    assert len(mail.outbox) == 1 and "73282932000074" in mail.outbox[0].subject
    assert "Frugal Robotics is registered and you are its manager." in text(page(followed(client, response)))


def test_registering_goes_back_to_a_safe_next_page(client, manager):
    client.force_login(manager)
    next_url = "/en/entreprises/reserver/IAF-TST-2027-01/"

    form_page = page(client.get(url("create"), {"next": next_url}))
    response = client.post(url("create"), {**FORM, "next": next_url})

    assert form_page.find("input", attrs={"name": "next"})["value"] == next_url
    assert response["Location"] == next_url


def test_registering_ignores_a_next_page_on_another_site(client, manager):
    client.force_login(manager)

    response = client.post(url("create"), {**FORM, "next": "https://evil.example/phish"})

    assert response["Location"] == url("index")


def test_an_invalid_siret_is_explained_and_nothing_typed_is_lost(client, manager):
    client.force_login(manager)

    soup = page(client.post(url("create"), {**FORM, "siret": "732 829 320 00075"}))

    assert "This SIRET number is not valid: check its 14 digits." in text(soup)
    assert soup.find("input", attrs={"name": "siret"})["value"] == "732 829 320 00075"
    assert soup.find("input", attrs={"name": "name"})["value"] == "Frugal Robotics"
    assert soup.find("input", attrs={"name": "vat_number"})["value"] == "FR 40 303 265 045"
    assert not Organisation.objects.exists()


def test_an_invalid_vat_number_is_explained(client, manager):
    client.force_login(manager)

    soup = page(client.post(url("create"), {**FORM, "vat_number": "FR 41 303 265 045"}))

    assert "This VAT number is not valid." in text(soup)
    assert soup.find("input", attrs={"name": "billing_city"})["value"] == "Lyon"
    assert not Organisation.objects.exists()


def test_a_siret_already_registered_offers_to_join_instead(client, manager, organisation):
    newcomer = UserFactory()
    client.force_login(newcomer)

    soup = page(client.post(url("create"), FORM))

    assert "An organisation with this SIRET already exists: ask to join it instead." in text(soup)
    assert soup.find("a", href=f"{url('join')}?siret=73282932000074")
    assert Organisation.objects.count() == 1


# --- asking to join -------------------------------------------------------------------------


def test_asking_to_join_by_siret_emails_the_managers(client, organisation, django_capture_on_commit_callbacks):
    newcomer = UserFactory(first_name="Sam", last_name="Petit")
    client.force_login(newcomer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("join"), {"siret": "732 829 320 00074"})

    assert response["Location"] == url("index")
    assert Membership.objects.get(user=newcomer).status == MembershipStatus.REQUESTED
    assert not is_manager(newcomer, organisation)
    assert [email.to for email in mail.outbox] == [["hr@frugal.example"]]
    index = page(client.get(url("index")))
    assert "Your request was sent to the managers of Frugal Robotics" in text(index)
    assert "Frugal Robotics" in text(index.find(id="requests-title").parent)


def test_joining_an_unknown_siret_offers_to_register_it(client, manager):
    client.force_login(manager)

    soup = page(client.post(url("join"), {"siret": "732 829 320 00074"}))

    assert "No organisation with this SIRET is registered yet" in text(soup)
    assert soup.find("a", href=url("create"))
    assert soup.find("input", attrs={"name": "siret"})["value"] == "732 829 320 00074"


def test_a_manager_asking_to_join_again_is_told_why_not(client, manager, organisation):
    client.force_login(manager)

    soup = page(client.post(url("join"), {"siret": "73282932000074"}))

    assert "You already manage this organisation." in text(soup)
    assert Membership.objects.filter(user=manager).count() == 1


def test_the_join_page_is_prefilled_from_the_link(client, manager):
    client.force_login(manager)

    soup = page(client.get(url("join"), {"siret": "73282932000074"}))

    assert soup.find("input", attrs={"name": "siret"})["value"] == "73282932000074"


# --- billing details ------------------------------------------------------------------------


def test_a_manager_changes_the_billing_details(client, manager, organisation):
    client.force_login(manager)
    soup = page(client.get(url("edit", organisation.public_id)))
    assert soup.find("input", attrs={"name": "billing_city"})["value"] == "Lyon"

    response = client.post(url("edit", organisation.public_id), {**FORM, "billing_city": "Villeurbanne"})

    assert response["Location"] == url("edit", organisation.public_id)
    organisation.refresh_from_db()
    assert organisation.billing_city == "Villeurbanne"
    assert organisation.vat_number == "FR40303265045"


def test_a_refused_change_keeps_what_was_typed_and_saves_nothing(client, manager, organisation):
    client.force_login(manager)

    soup = page(
        client.post(url("edit", organisation.public_id), {**FORM, "billing_city": "Vienne", "vat_number": "FR1"})
    )

    assert "This VAT number is not valid." in text(soup)
    assert soup.find("input", attrs={"name": "billing_city"})["value"] == "Vienne"
    organisation.refresh_from_db()
    assert organisation.billing_city == "Lyon"


def test_a_verified_organisation_cannot_change_its_siret(client, manager, organisation):
    client.force_login(manager)
    soup = page(client.get(url("edit", organisation.public_id)))
    assert soup.find("input", attrs={"name": "siret"}).has_attr("disabled")

    client.post(url("edit", organisation.public_id), {**FORM, "siret": "552 100 554 00013"})

    organisation.refresh_from_db()
    assert organisation.siret == "73282932000074"


# --- managers, requests and invitations -----------------------------------------------------


def test_the_managers_page_lists_managers_requests_and_invitations(client, manager, organisation):
    membership_request(organisation=organisation, user=UserFactory(first_name="Sam", last_name="Petit"))
    manager_invite(organisation=organisation, by=manager, email="lou@frugal.example")
    client.force_login(manager)

    soup = page(client.get(url("members", organisation.public_id)))

    assert "Alex Durand" in text(soup.find(id="managers-title").parent)
    requests = soup.find(id="requests-title").parent
    assert [b.get_text(strip=True) for b in requests.find_all("button")] == ["Approve Sam Petit", "Decline Sam Petit"]
    assert "lou@frugal.example" in text(soup.find(id="invitations-title").parent)
    # The only manager is not offered a button to remove themselves.
    assert not soup.find(id="managers-title").parent.find("button")


def test_a_manager_invites_a_colleague_by_email(client, manager, organisation, django_capture_on_commit_callbacks):
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("members", organisation.public_id), {"email": "lou@frugal.example"})

    invitation = Membership.objects.get(status=MembershipStatus.INVITED)
    assert invitation.email == "lou@frugal.example"
    assert [email.to for email in mail.outbox] == [["lou@frugal.example"]]
    assert f"/entreprises/invitations/{invitation.token}/" in mail.outbox[0].body
    assert "An invitation was sent to lou@frugal.example." in text(page(followed(client, response)))


def test_inviting_a_current_manager_is_refused_and_the_address_kept(client, manager, organisation):
    client.force_login(manager)

    soup = page(client.post(url("members", organisation.public_id), {"email": "HR@frugal.example"}))

    assert "HR@frugal.example is already a manager of this organisation." in text(soup)
    assert soup.find("input", attrs={"name": "email"})["value"] == "HR@frugal.example"
    assert not Membership.objects.filter(status=MembershipStatus.INVITED).exists()


def test_approving_a_request_makes_a_manager(client, manager, organisation, django_capture_on_commit_callbacks):
    requester = UserFactory(email="sam@frugal.example", first_name="Sam", last_name="Petit")
    request = membership_request(organisation=organisation, user=requester)
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("member_decide", organisation.public_id, request.pk), {"action": "approve"})

    assert is_manager(requester, organisation)
    assert [email.to for email in mail.outbox] == [["sam@frugal.example"]]
    assert "Sam Petit is now a manager." in text(page(followed(client, response)))


def test_declining_a_request_gives_no_access(client, manager, organisation):
    requester = UserFactory()
    request = membership_request(organisation=organisation, user=requester)
    client.force_login(manager)

    client.post(url("member_decide", organisation.public_id, request.pk), {"action": "decline"})

    request.refresh_from_db()
    assert request.status == MembershipStatus.DECLINED
    assert client.get(url("members", organisation.public_id)).status_code == 200
    client.force_login(requester)
    assert client.get(url("members", organisation.public_id)).status_code == 404


def test_the_last_manager_cannot_be_removed(client, manager, organisation):
    client.force_login(manager)
    pk = Membership.objects.get(user=manager).pk

    response = client.post(url("member_decide", organisation.public_id, pk), {"action": "remove"})

    assert "An organisation needs at least one manager" in text(page(followed(client, response)))
    assert is_manager(manager, organisation)


def test_a_manager_who_leaves_goes_back_to_their_organisations(client, manager, organisation):
    MembershipFactory(organisation=organisation)
    client.force_login(manager)

    response = client.post(
        url("member_decide", organisation.public_id, Membership.objects.get(user=manager).pk), {"action": "remove"}
    )

    assert response["Location"] == url("index")
    assert not is_manager(manager, organisation)
    assert client.get(url("members", organisation.public_id)).status_code == 404


def test_a_decision_needs_a_post_and_a_known_action(client, manager, organisation):
    request = membership_request(organisation=organisation, user=UserFactory())
    client.force_login(manager)

    assert client.get(url("member_decide", organisation.public_id, request.pk)).status_code == 405
    response = client.post(url("member_decide", organisation.public_id, request.pk), {"action": "promote"})

    assert "This action is not possible." in text(page(followed(client, response)))
    request.refresh_from_db()
    assert request.status == MembershipStatus.REQUESTED


# --- accepting an invitation ----------------------------------------------------------------


@pytest.fixture
def invitation(organisation, manager):
    return manager_invite(organisation=organisation, by=manager, email="lou@frugal.example")


def test_the_invited_person_sees_the_organisation_and_accepts(client, organisation, invitation):
    lou = UserFactory(email="lou@frugal.example")
    client.force_login(lou)

    soup = page(client.get(url("accept_invitation", invitation.token)))
    assert "Alex Durand invites you to manage Frugal Robotics" in text(soup)
    assert soup.find("button", string=re.compile("Accept and manage Frugal Robotics"))

    response = client.post(url("accept_invitation", invitation.token))

    assert response["Location"] == url("overview", organisation.public_id)
    assert is_manager(lou, organisation)


def test_someone_signed_in_with_another_address_is_told_which_one(client, organisation, invitation):
    someone = UserFactory(email="someone@else.example")
    client.force_login(someone)

    soup = page(client.get(url("accept_invitation", invitation.token)))
    assert "This invitation is for lou@frugal.example, but you are signed in as someone@else.example" in text(soup)
    assert not soup.find("button", string=re.compile("Accept"))

    soup = page(client.post(url("accept_invitation", invitation.token)))

    assert "This invitation was sent to lou@frugal.example." in text(soup)
    assert not is_manager(someone, organisation)
    invitation.refresh_from_db()
    assert invitation.status == MembershipStatus.INVITED


def test_an_unknown_or_withdrawn_invitation_is_a_404_that_says_so(client, manager, invitation):
    client.force_login(UserFactory(email="lou@frugal.example"))
    Membership.objects.filter(pk=invitation.pk).update(status=MembershipStatus.REVOKED)

    for token in ("no-such-token", invitation.token):
        response = client.get(url("accept_invitation", token))
        assert response.status_code == 404
        assert "This invitation is no longer valid" in text(BeautifulSoup(response.content, "html.parser"))
