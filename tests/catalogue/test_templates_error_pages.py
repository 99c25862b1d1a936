"""Error pages keep the site's look and are not indexed."""

from django.test import RequestFactory
from django.views.defaults import server_error

from tests.catalogue.course_fixtures import in_french, visible_text


def test_not_found_page_is_not_indexed_and_keeps_the_site_header(client, home_page):
    response = client.get("/formations/nothing-here/")

    assert response.status_code == 404
    html = response.content.decode()
    assert '<meta name="robots" content="noindex">' in html
    assert 'class="site-header"' in html
    assert in_french("Page not found") in visible_text(response)


def test_server_error_page_renders_without_database_or_context():
    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    html = response.content.decode()
    assert '<meta name="robots" content="noindex">' in html
    assert 'href="/"' in html
