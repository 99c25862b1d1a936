"""``/api/v1/``: the schema, its docs UI (assets served locally), and the resources."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from api import open_data

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    # Open data for regional training-offer portals: the whole current catalogue.
    path("open-data/catalogue.csv", open_data.CatalogueCsv.as_view(), name="catalogue_csv"),
    path("open-data/catalogue.jsonld", open_data.CatalogueJsonld.as_view(), name="catalogue_jsonld"),
    # Public, read-only: programmes, themes, partners, trainers, courses, sessions.
    path("", include("api.urls_catalogue")),
    # Signed in (session or personal token): the person's own data, and their organisations'.
    path("", include("api.urls_account")),
]
