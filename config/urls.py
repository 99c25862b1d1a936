"""Root URLs. Catalogue pages are served by Wagtail under a language prefix
("/formations/" in French, "/en/formations/" in English)."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path, re_path
from django.views.i18n import set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from api.errors import no_such_address
from catalogue.sitemap import LocalizedSitemap

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/setlang/", set_language, name="set_language"),
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": LocalizedSitemap}}, name="sitemap"),
    path("calendar/", include("courses.urls")),
    path("calendar/", include("enrolments.urls.feeds")),
    # Stripe's webhook and the dummy checkout's callbacks: no language prefix.
    path("payments/", include("enrolments.urls.payments")),
    # The REST API: no language prefix (Accept-Language picks the language).
    path("api/v1/", include("api.urls")),
    # Any other /api/ address, whatever the method: the API's JSON 404.
    re_path(r"^api/", no_such_address),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += i18n_patterns(
    path("accounts/", include("enrolments.urls.accounts")),
    path("accounts/", include("allauth.urls")),
    path("inscription/", include("enrolments.urls.enrolment")),
    path("mon-espace/", include("enrolments.urls.dashboard")),
    path("mon-espace/jetons-api/", include("api.urls_tokens")),
    path("entreprises/", include("enrolments.urls.organisations")),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)

# A JSON 404 for API clients, the HTML page for people.
handler404 = "api.errors.page_not_found"
