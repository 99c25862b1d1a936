"""Partner logos, trainer photos and course images in the public catalogue API."""

import itertools

import PIL.Image
import pytest
from django.core.files.storage import default_storage
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from catalogue.factories import CoursePageFactory, PartnerFactory, TrainerFactory
from tests.api.test_api_catalogue_queries import MAX_QUERIES, count

pytestmark = pytest.mark.django_db
MEDIA = "http://testserver/media/"
_numbers = itertools.count()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def make_image(title: str, *, size=(1600, 1200), description: str = "") -> Image:
    return Image.objects.create(title=title, description=description, file=get_test_image_file(size=size))


def stored_size(url: str) -> tuple[int, int]:
    """The pixel size of the file behind a rendition URL (media is not served by the test server)."""
    assert url.startswith(f"{MEDIA}images/")
    with default_storage.open(url.removeprefix(MEDIA)) as file:
        return PIL.Image.open(file).size


def by_key(items: list[dict], key: str) -> dict:
    return {item[key]: item for item in items}


def test_courses_show_the_course_card_image_or_null(client, api_catalogue):
    deep = api_catalogue["deep"]
    deep.image = make_image("Réseau de neurones")
    deep.save_revision().publish()

    courses = by_key(client.get("/api/v1/courses/").json()["results"], "slug")
    detail = client.get("/api/v1/courses/apprentissage-profond-frugal/").json()

    image = courses["apprentissage-profond-frugal"]["image"]
    assert image["url"].startswith(f"{MEDIA}images/")
    assert "fill-800x450" in image["url"]
    assert (image["width"], image["height"]) == (800, 450) == stored_size(image["url"])
    assert image["alt"] == "Réseau de neurones"
    assert detail["image"] == image
    assert courses["ethique-des-donnees"]["image"] is None


def test_partners_show_their_logo_scaled_like_the_site_or_null(client, api_catalogue):
    partner = api_catalogue["partner"]
    partner.logo = make_image("logo-ujm.png", size=(600, 400), description="Logo de l'Université Jean Monnet")
    partner.save()
    PartnerFactory(name="Sans logo", slug="sans-logo")

    partners = by_key(client.get("/api/v1/partners/").json()["results"], "slug")

    logo = partners["ujm"]["logo"]
    # max-200x80 keeps the 3:2 proportions: the height is the limit.
    assert (logo["width"], logo["height"]) == (120, 80) == stored_size(logo["url"])
    assert "max-200x80" in logo["url"]
    assert logo["alt"] == "Logo de l'Université Jean Monnet"
    assert partners["sans-logo"]["logo"] is None


def test_trainers_show_their_photo_in_the_list_and_on_the_course(client, api_catalogue):
    trainer = api_catalogue["trainer"]
    trainer.photo = make_image("Inès Berthier", size=(300, 400))
    trainer.save()
    without = TrainerFactory(name="Zoé Sans Photo")
    ethics = api_catalogue["ethics"]
    ethics.trainers.add(without)
    ethics.save_revision().publish()

    trainers = by_key(client.get("/api/v1/trainers/").json()["results"], "name")
    on_course = client.get("/api/v1/courses/apprentissage-profond-frugal/").json()["trainers"]

    photo = trainers["Inès Berthier"]["photo"]
    assert "fill-96x96" in photo["url"]
    assert (photo["width"], photo["height"]) == (96, 96) == stored_size(photo["url"])
    assert photo["alt"] == "Inès Berthier"
    assert on_course[0]["photo"] == photo
    assert trainers["Zoé Sans Photo"]["photo"] is None


def test_an_image_whose_file_is_gone_shows_as_null(client, api_catalogue):
    partner = api_catalogue["partner"]
    partner.logo = make_image("logo perdu")
    partner.save()
    default_storage.delete(partner.logo.file.name)

    partners = by_key(client.get("/api/v1/partners/").json()["results"], "slug")

    assert partners["ujm"]["logo"] is None


def add_illustrated_courses(parent, number_of_courses: int) -> None:
    """Courses with an image, each with a partner with a logo and a trainer with a photo."""
    for _ in range(number_of_courses):
        number = next(_numbers)
        partner = PartnerFactory(slug=f"illustre-{number}", logo=make_image(f"logo {number}", size=(400, 300)))
        trainer = TrainerFactory(photo=make_image(f"photo {number}", size=(200, 200)))
        CoursePageFactory(
            parent=parent,
            title=f"Cours illustré {number:04d}",
            image=make_image(f"image {number}", size=(960, 540)),
            partners=[partner],
            trainers=[trainer],
        )


@pytest.mark.parametrize("url", ["/api/v1/courses/", "/api/v1/partners/", "/api/v1/trainers/"])
def test_query_count_does_not_grow_with_the_images_shown(client, catalogue_page, url):
    # Warm renditions (a first request makes them, one write per image, once ever);
    # cold listing rows and cache, as in test_api_catalogue_queries.
    add_illustrated_courses(catalogue_page, 2)
    client.get(url)
    small = count(client, url)
    add_illustrated_courses(catalogue_page, 8)
    shown = client.get(url).json()["results"]
    assert sum(1 for item in shown if item.get("image") or item.get("logo") or item.get("photo")) == 10

    assert count(client, url) == small
    assert small <= MAX_QUERIES
