"""``/mon-espace/jetons-api/``: the person's personal API tokens, created and revoked on their dashboard.

A new token's secret is shown once, in the response to the form that
created it (never redirected to, never kept in the session): only its hash
is stored.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from api.authentication import token_create, token_revoke
from api.forms import ApiTokenForm
from api.models import ApiToken


@login_required
@require_http_methods(["GET", "HEAD"])
def token_list(request: HttpRequest) -> HttpResponse:
    """The person's tokens, live and revoked, with a link to create one."""
    tokens = ApiToken.objects.filter(user=request.user).order_by("revoked_at", "-created_at")
    return render(request, "api/tokens.html", {"tokens": tokens})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_new(request: HttpRequest) -> HttpResponse:
    """GET: the form; POST: the new token, its secret shown on this response only."""
    form = ApiTokenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        token, raw = token_create(user=request.user, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"])
        return render(request, "api/token_created.html", {"token": token, "raw": raw})
    return render(request, "api/token_new.html", {"form": form})


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of the person's tokens; someone else's is a 404."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    token_revoke(token=token)
    messages.success(request, _("The token “%(name)s” is revoked: it no longer opens the API.") % {"name": token.name})
    return redirect("api_tokens:list")
