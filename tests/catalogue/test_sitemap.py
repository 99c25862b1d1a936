"""/sitemap.xml lists the published course pages with their last modification date."""

import re

from catalogue.factories import CoursePageFactory


def test_sitemap_lists_published_course_pages_with_lastmod(client, catalogue_page):
    course = CoursePageFactory(parent=catalogue_page, title="Vision par ordinateur")
    # publish=False alone leaves the page live (Page.live defaults to True); say it is a draft.
    draft = CoursePageFactory(parent=catalogue_page, title="Brouillon", publish=False, live=False)

    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    xml = response.content.decode()
    entry = re.search(r"<url><loc>http://localhost/formations/vision-par-ordinateur/</loc>(.*?)</url>", xml, re.DOTALL)
    assert entry is not None
    course.refresh_from_db()
    assert f"<lastmod>{course.last_published_at.date().isoformat()}</lastmod>" in entry.group(1)
    assert f"/formations/{draft.slug}/" not in xml


def test_sitemap_lists_the_home_and_the_catalogue(client, catalogue_page):
    xml = client.get("/sitemap.xml").content.decode()

    assert "<loc>http://localhost/</loc>" in xml
    assert "<loc>http://localhost/formations/</loc>" in xml


def test_sitemap_lists_the_english_pages_too(client, catalogue_page, locales):
    course = CoursePageFactory(parent=catalogue_page, title="Apprentissage frugal")
    home_en = catalogue_page.get_parent().specific.copy_for_translation(locales["en"])
    home_en.save_revision().publish()
    listing_en = catalogue_page.copy_for_translation(locales["en"])
    listing_en.save_revision().publish()
    course_en = course.copy_for_translation(locales["en"])
    course_en.title = "Frugal learning"
    course_en.save_revision().publish()

    xml = client.get("/sitemap.xml").content.decode()

    assert "<loc>http://localhost/formations/apprentissage-frugal/</loc>" in xml
    assert "<loc>http://localhost/en/</loc>" in xml
    assert f"<loc>http://localhost/en/formations/{course_en.slug}/</loc>" in xml
