"""Conditional GET for the public API: ``ETag``, ``Last-Modified``, 304, and public caching.

A view mixing in ``ConditionalGetMixin`` may set ``self.validators`` (an
ETag seed and a last-modified moment) before building its answer, from a
cheap query; ``conditional_precheck`` then answers 304 without building
anything. Otherwise the ETag is a hash of the rendered body. Successful
answers and 304s carry ``Cache-Control: public, max-age=300`` and
``Vary: Accept-Language`` (the language picks the translations shown).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, quote_etag
from rest_framework.response import Response

PUBLIC_MAX_AGE = 300


@dataclass(frozen=True)
class Validators:
    """What identifies a version of an answer: a strong ETag and, when known, a modification time."""

    etag: str | None  # None: a hash of the rendered body
    last_modified: dt.datetime | None = None


def make_etag(*parts: object) -> str:
    """A quoted ETag from anything that has a stable ``repr`` (stamps, query strings, language)."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return quote_etag(digest)


def _cacheable(response) -> None:
    patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    patch_vary_headers(response, ["Accept-Language"])


def _set_validators(response, validators: Validators) -> None:
    if validators.etag:
        response["ETag"] = validators.etag
    if validators.last_modified is not None:
        response["Last-Modified"] = http_date(validators.last_modified.timestamp())


class ConditionalGetMixin:
    """For read-only DRF views: validators, 304 answers and public cache headers."""

    validators: Validators | None = None

    def conditional_precheck(self, validators: Validators) -> Response | None:
        """Remember ``validators``; a 304 answer when the client's copy is still current."""
        self.validators = validators
        if validators.etag is None:
            return None
        request = self.request._request
        not_modified = get_conditional_response(
            request, etag=validators.etag, last_modified=_timestamp(validators.last_modified)
        )
        if not_modified is not None and not_modified.status_code == 304:
            return Response(status=304)
        return None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.status_code not in (200, 304):
            return response
        if response.status_code == 304:
            # Built by conditional_precheck: same headers as the full answer, no body.
            response.data = None
            _set_validators(response, self.validators)
            _cacheable(response)
            return response
        response.render()
        precheck = self.validators or Validators(etag=None)
        validators = precheck
        if precheck.etag is None:
            validators = Validators(etag=make_etag(response.content), last_modified=precheck.last_modified)
        _set_validators(response, validators)
        _cacheable(response)
        if precheck.etag is None:
            # No cheap precheck for this resource: answer 304 from the body's hash.
            answer = get_conditional_response(
                request._request,
                etag=validators.etag,
                last_modified=_timestamp(validators.last_modified),
                response=response,
            )
            if answer is not response:
                _cacheable(answer)
                return answer
        return response


def _timestamp(moment: dt.datetime | None) -> int | None:
    return int(moment.timestamp()) if moment is not None else None
