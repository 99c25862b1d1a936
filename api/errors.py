"""One JSON shape for every API error: ``{"error": {"code": …, "message": …, "fields": {…}}}``.

``code`` is machine-readable and stable (DRF's error codes: ``not_found``,
``throttled``, ``invalid``, ``parse_error``, …); ``message`` is for people, in
the request's language (``Accept-Language``, or ``/en/`` URLs' language);
``fields`` holds per-field messages of a refused input.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.defaults import page_not_found as html_page_not_found
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


def _codes(detail) -> str:
    if isinstance(detail, exceptions.ErrorDetail):
        return detail.code or "error"
    return "invalid"


def api_exception_handler(exc, context) -> Response | None:
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = getattr(exc, "detail", None)
    if isinstance(detail, dict):
        body = {
            "code": "invalid",
            "message": str(exceptions.ValidationError.default_detail),
            "fields": {name: [str(message) for message in _as_list(messages)] for name, messages in detail.items()},
        }
    elif isinstance(detail, list):
        body = {"code": "invalid", "message": " ".join(str(item) for item in detail)}
    else:
        body = {"code": _codes(detail), "message": str(detail if detail is not None else exc)}
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS and getattr(exc, "wait", None):
        body["retry_after"] = int(exc.wait)
    response.data = {"error": body}
    return response


def _as_list(messages) -> list:
    return messages if isinstance(messages, list) else [messages]


def _not_found() -> JsonResponse:
    return JsonResponse({"error": {"code": "not_found", "message": _("There is nothing at this address.")}}, status=404)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The site's 404: the JSON error shape under ``/api/``, the HTML page elsewhere."""
    if request.path_info.startswith("/api/"):
        return _not_found()
    return html_page_not_found(request, exception)


@csrf_exempt
@login_not_required
def no_such_address(request: HttpRequest) -> HttpResponse:
    """Any ``/api/…`` address that no route takes, whatever the method: the JSON 404.

    Public: it reveals nothing. Without it, a POST to an unknown API address
    would reach the site's catch-all page view and its CSRF check (an HTML 403).
    A read of a known address without its final slash is redirected, as
    ``APPEND_SLASH`` does elsewhere.
    """
    path = request.path_info
    if request.method in ("GET", "HEAD") and not path.endswith("/") and _routed(f"{path}/"):
        return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
    return _not_found()


def _routed(path: str) -> bool:
    """Whether a real API route (not this catch-all) takes ``path``."""
    try:
        return resolve(path).func is not no_such_address
    except Resolver404:
        return False
