"""The personal API tokens pages of the dashboard (``/mon-espace/jetons-api/``)."""

from django.urls import path

from api import token_views

app_name = "api_tokens"
urlpatterns = [
    path("", token_views.token_list, name="list"),
    path("nouveau/", token_views.token_new, name="create"),
    path("<int:pk>/revoquer/", token_views.token_revoke_view, name="revoke"),
]
