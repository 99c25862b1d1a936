"""The enrolments admin: read-only lists and inspect pages for finance staff, frozen legal texts."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from pypdf import PdfReader
from wagtail.test.utils.form_data import querydict_from_html

from courses.factories import SessionFactory
from enrolments import admin_views
from enrolments.factories import EnrolmentFactory, InstalmentFactory, LegalTextFactory, OrderFactory, UserFactory
from enrolments.models import (
    EnrolmentStatus,
    Funding,
    FundingRequest,
    FundingRequestKind,
    InstalmentStatus,
    LegalText,
    LegalTextKind,
    Refund,
    WaitlistEntry,
)
from enrolments.services.invoicing import issue_invoice

LIST_URLS = [
    "admin_enrolments:index",
    "admin_orders:index",
    "admin_instalments:index",
    "admin_invoices:index",
    "admin_waitlist:index",
    "admin_quote_requests:index",
    "admin_legal_texts:index",
]
FINANCE_MODELS = ["enrolment", "order", "instalment", "invoice", "waitlistentry", "fundingrequest", "legaltext"]


@pytest.fixture
def superuser(client, django_user_model):
    user = django_user_model.objects.create_superuser(username="ada", email="ada@x.test", password="pw")
    client.force_login(user)
    return user


@pytest.fixture
def designer(django_user_model):
    user = django_user_model.objects.create_user(username="denis", password="pw", email="denis@x.test")
    user.groups.add(Group.objects.get(name="Course designers"))
    return user


@pytest.fixture
def finance(django_user_model):
    """A member of "Finance staff", the group the data migration creates."""
    group = Group.objects.get(name="Finance staff")
    user = django_user_model.objects.create_user(username="fanny", password="pw", email="fanny@x.test")
    user.groups.add(group)
    return user


@pytest.fixture
def enrolment(session, learner, legal_texts):
    enrolment = EnrolmentFactory(
        session=session, learner=learner, terms=legal_texts["terms"], internal_rules=legal_texts["rules"]
    )
    InstalmentFactory(order=enrolment.order, number=1, amount=Decimal("270.00"), status=InstalmentStatus.PAID)
    InstalmentFactory(
        order=enrolment.order,
        number=2,
        amount=Decimal("630.00"),
        status=InstalmentStatus.FAILED,
        attempts=2,
        last_error="Votre carte a été refusée.",
    )
    return enrolment


def get_html(client, url_name, *args, **params):
    response = client.get(reverse(url_name, args=args), params)
    assert response.status_code == 200
    return response.content.decode()


def rows(client, url_name, **params) -> str:
    """The text of the list's rows, without the filter form around them."""
    body = BeautifulSoup(get_html(client, url_name, **params), "html.parser").select_one("table.listing tbody")
    return body.get_text(" ", strip=True) if body else ""


def french(text) -> str:
    """What the admin shows in French (the default language) for a lazy label."""
    with translation.override("fr"):
        return escape(str(text))


def test_enrolment_list_shows_learner_session_status_funding_and_withdrawal_end(client, superuser, enrolment):
    html = get_html(client, "admin_enrolments:index")

    assert "camille@example.org" in html and "Camille Martin" in html
    assert "IAF-TST-2027-01" in html
    assert french(EnrolmentStatus.CONFIRMED.label) in html
    assert french(Funding.SELF.label) in html
    with translation.override("fr"):
        assert admin_views.local_datetime(enrolment.withdrawal_ends_at) in html


def test_enrolment_list_runs_the_same_queries_for_one_or_many_rows(client, superuser, enrolment, session):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            get_html(client, "admin_enrolments:index")
        return len(queries)

    one = count_queries()
    for _ in range(4):
        EnrolmentFactory(session=session)

    assert count_queries() == one


def test_enrolment_list_filters_by_status_session_and_funding(client, superuser, enrolment, course):
    other_session = SessionFactory(course=course, code="IAF-TST-2027-09")
    employer = EnrolmentFactory(
        session=other_session,
        learner=UserFactory(email="paul@example.org"),
        status=EnrolmentStatus.WITHDRAWN,
        order=OrderFactory(session=other_session, funding=Funding.EMPLOYER),
    )

    by_status = rows(client, "admin_enrolments:index", status=EnrolmentStatus.WITHDRAWN)
    by_session = rows(client, "admin_enrolments:index", session=enrolment.session.pk)
    by_funding = rows(client, "admin_enrolments:index", funding=Funding.EMPLOYER)

    assert "paul@example.org" in by_status and "camille@example.org" not in by_status
    assert "camille@example.org" in by_session and "paul@example.org" not in by_session
    assert "paul@example.org" in by_funding and "camille@example.org" not in by_funding
    assert employer.order.funding == Funding.EMPLOYER


def test_enrolment_search_matches_full_name_email_and_session_code(client, superuser, enrolment, session):
    paul = UserFactory(first_name="Paul", last_name="Durand", email="paul@example.org")
    EnrolmentFactory(session=SessionFactory(course=session.course, code="IAI-NLP-2027-05"), learner=paul)

    by_name = rows(client, "admin_enrolments:index", q="camille martin")
    by_email = rows(client, "admin_enrolments:index", q="camille@example")
    by_code = rows(client, "admin_enrolments:index", q="NLP-2027")

    assert "camille@example.org" in by_name and "IAI-NLP-2027-05" not in by_name
    assert "camille@example.org" in by_email and "paul@example.org" not in by_email
    assert "IAI-NLP-2027-05" in by_code and "camille@example.org" not in by_code


def test_enrolment_inspect_shows_accepted_texts_with_timestamps_order_and_instalments(client, superuser, enrolment):
    html = get_html(client, "admin_enrolments:inspect", enrolment.pk)

    with translation.override("fr"):
        accepted_at = admin_views.local_datetime(enrolment.accepted_at)
        withdrawal_ends = admin_views.local_datetime(enrolment.withdrawal_ends_at)
    assert french(LegalTextKind.TERMS_OF_SALE.label) + " 2026-11" in html
    assert french(LegalTextKind.INTERNAL_RULES.label) + " 2026-11" in html
    assert reverse("admin_legal_texts:inspect", args=(enrolment.terms.pk,)) in html
    assert accepted_at in html and withdrawal_ends in html
    assert enrolment.order.reference in html
    assert reverse("admin_orders:inspect", args=(enrolment.order.pk,)) in html
    assert "630,00 €" in html and french(InstalmentStatus.FAILED.label) in html
    assert escape("Votre carte a été refusée.") in html


def test_order_inspect_shows_instalments_refunds_and_enrolment(client, superuser, enrolment):
    paid = enrolment.order.instalments.get(number=1)
    Refund.objects.create(order=enrolment.order, instalment=paid, amount=Decimal("100.00"), reason="Goodwill")

    html = get_html(client, "admin_orders:inspect", enrolment.order.pk)

    assert "270,00 €" in html and "630,00 €" in html
    assert "100,00 €" in html and "Goodwill" in html
    assert reverse("admin_enrolments:inspect", args=(enrolment.pk,)) in html
    assert escape("Camille Martin <camille@example.org>") in html


def test_order_list_shows_reference_buyer_session_and_totals(client, superuser, enrolment):
    html = get_html(client, "admin_orders:index")

    assert enrolment.order.reference in html
    assert escape("Camille Martin <camille@example.org>") in html
    assert "IAF-TST-2027-01" in html and "900,00 €" in html


def test_payments_to_watch_lists_failed_instalments_first_and_filters_them(client, superuser, enrolment):
    html = get_html(client, "admin_instalments:index")
    assert html.index("630,00 €") < html.index("270,00 €")

    failed = rows(client, "admin_instalments:index", status=InstalmentStatus.FAILED)

    assert "630,00 €" in failed and "270,00 €" not in failed
    assert "Votre carte a été refusée." in failed


def test_payments_to_watch_export_to_csv_contains_the_instalments(client, superuser, enrolment):
    response = client.get(reverse("admin_instalments:index"), {"export": "csv", "status": InstalmentStatus.FAILED})

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 2
    header, row = rows
    assert len(header) == 10
    assert row[0] == enrolment.order.reference
    assert row[1] == "camille@example.org"
    assert row[3:7] == [
        str(timezone.localdate() + dt.timedelta(days=11)),
        "630.00",
        french(InstalmentStatus.FAILED.label),
        "2",
    ]


@pytest.fixture
def invoice(enrolment):
    return issue_invoice(order=enrolment.order)


def test_invoice_list_links_to_the_pdf_which_staff_download(client, superuser, invoice):
    pdf_url = reverse("admin_invoices:pdf", args=(invoice.pk,))

    listing = get_html(client, "admin_invoices:index")
    response = client.get(pdf_url)

    assert invoice.number in listing and invoice.order.reference in listing and pdf_url in listing
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="invoice-{invoice.number}.pdf"' in response["Content-Disposition"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert invoice.number in text


def test_invoice_inspect_links_to_order_and_pdf(client, superuser, invoice):
    html = get_html(client, "admin_invoices:inspect", invoice.pk)

    assert reverse("admin_orders:inspect", args=(invoice.order.pk,)) in html
    assert reverse("admin_invoices:pdf", args=(invoice.pk,)) in html
    assert "900,00 €" in html


def test_unknown_invoice_pdf_is_not_found(client, superuser, invoice):
    assert client.get(reverse("admin_invoices:pdf", args=(invoice.pk + 1000,))).status_code == 404


def test_invoice_pdf_is_refused_to_course_designers(client, designer, invoice):
    client.force_login(designer)

    response = client.get(reverse("admin_invoices:pdf", args=(invoice.pk,)))

    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")


def test_waitlist_and_quote_request_lists_show_people_and_sessions(client, superuser, session, learner):
    WaitlistEntry.objects.create(session=session, person=learner)
    FundingRequest.objects.create(
        session=session, requester=learner, kind=FundingRequestKind.FUNDER, organisation_name="OPCO Atlas"
    )

    waitlist = get_html(client, "admin_waitlist:index")
    quotes = get_html(client, "admin_quote_requests:index")

    assert "camille@example.org" in waitlist and "IAF-TST-2027-01" in waitlist
    assert "OPCO Atlas" in quotes and "IAF-TST-2027-01" in quotes
    assert escape("Camille Martin <camille@example.org>") in quotes


def test_lists_offer_no_add_edit_or_delete_even_to_a_superuser(client, superuser, enrolment):
    html = get_html(client, "admin_enrolments:index")

    assert "/admin/enrolments/new/" not in html and "/admin/enrolments/edit/" not in html
    assert reverse("admin_enrolments:inspect", args=(enrolment.pk,)) in html
    assert client.get(f"/admin/enrolments/edit/{enrolment.pk}/").status_code == 404
    assert client.get(f"/admin/orders/delete/{enrolment.order.pk}/").status_code == 404


@pytest.mark.parametrize("url_name", LIST_URLS)
def test_course_designer_is_turned_away_from_every_list(client, designer, url_name):
    client.force_login(designer)

    response = client.get(reverse(url_name))

    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"] == reverse("wagtailadmin_home")


def test_menu_is_hidden_from_course_designers_and_shown_to_finance_staff(client, designer, finance):
    client.force_login(designer)
    designer_home = get_html(client, "wagtailadmin_home")
    client.force_login(finance)
    finance_home = get_html(client, "wagtailadmin_home")

    for url in ("/admin/enrolments/", "/admin/payments-to-watch/", "/admin/invoices/", "/admin/legal-texts/"):
        assert url not in designer_home
        assert url in finance_home


def test_finance_staff_read_the_lists_and_add_legal_text_versions_but_not_change_accepted_ones(
    client, finance, enrolment
):
    client.force_login(finance)

    assert enrolment.order.reference in get_html(client, "admin_orders:index")
    assert enrolment.order.reference in get_html(client, "admin_enrolments:inspect", enrolment.pk)
    legal_texts = get_html(client, "admin_legal_texts:index")
    assert reverse("admin_legal_texts:add") in legal_texts
    response = client.get(reverse("admin_legal_texts:edit", args=(enrolment.terms.pk,)))
    assert response.status_code == 302
    assert response.url == reverse("admin_legal_texts:inspect", args=(enrolment.terms.pk,))


def test_editing_an_accepted_legal_text_is_refused_with_a_clear_message(client, superuser, enrolment):
    terms = enrolment.terms
    body_before = terms.body_fr
    edit_url = reverse("admin_legal_texts:edit", args=(terms.pk,))
    assert edit_url not in get_html(client, "admin_legal_texts:index")

    response = client.post(edit_url, {"kind": terms.kind, "version": "2026-11", "body_fr": "{}"}, follow=True)

    terms.refresh_from_db()
    assert terms.body_fr == body_before
    assert response.redirect_chain[-1][0] == reverse("admin_legal_texts:inspect", args=(terms.pk,))
    with translation.override("fr"):
        message = translation.ngettext(
            "%(text)s was accepted by %(count)s enrolment: it can no longer be changed or deleted. "
            "Add a new version instead.",
            "%(text)s was accepted by %(count)s enrolments: it can no longer be changed or deleted. "
            "Add a new version instead.",
            1,
        ) % {"text": terms, "count": 1}
    html = response.content.decode()
    assert escape(message) in html
    # The inspect page it lands on renders the text and offers no edit button.
    assert body_before in html and edit_url not in html


def test_deleting_an_accepted_legal_text_is_refused(client, superuser, enrolment):
    response = client.post(reverse("admin_legal_texts:delete", args=(enrolment.terms.pk,)))

    assert response.status_code == 302
    assert LegalText.objects.filter(pk=enrolment.terms.pk).exists()


def test_an_unaccepted_legal_text_can_be_edited(client, superuser, enrolment):
    draft = LegalTextFactory(kind=LegalTextKind.TERMS_OF_SALE, version="2027-01")
    edit_url = reverse("admin_legal_texts:edit", args=(draft.pk,))
    assert edit_url in get_html(client, "admin_legal_texts:index")
    data = querydict_from_html(client.get(edit_url).content.decode(), form_id="w-editor-form")
    data["version"] = "2027-02"

    response = client.post(edit_url, data)

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.version == "2027-02"
