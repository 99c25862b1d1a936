"""Who may see an organisation's pages: its active managers, and nobody else.

``manager_required`` wraps every view under ``/entreprises/<uuid:org>/``. It
needs a signed-in person (else the login page) and an ACTIVE membership of
that organisation; anyone else, staff included, gets a 404, exactly as for an
organisation that does not exist. The view receives the organisation instead
of the ``org`` id, and must look every other object up *within* it (see
``organisation_object``), so one organisation's manager never reaches
another's quote, order, seat or invoice by changing an id in the URL.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from enrolments.models import Membership, MembershipStatus, Organisation


def managed_organisations(user) -> QuerySet[Organisation]:
    """The organisations ``user`` manages (an ACTIVE membership)."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(memberships__user=user, memberships__status=MembershipStatus.ACTIVE).distinct()


def is_manager(user, organisation: Organisation) -> bool:
    return (
        user.is_authenticated
        and Membership.objects.filter(organisation=organisation, user=user, status=MembershipStatus.ACTIVE).exists()
    )


def managed_organisation(request: HttpRequest, public_id) -> Organisation:
    """The organisation ``public_id`` if the signed-in person manages it; else Http404."""
    organisation = Organisation.objects.filter(public_id=public_id).first()
    if organisation is None or not is_manager(request.user, organisation):
        raise Http404
    return organisation


def manager_required(view):
    """Signed-in active managers of the URL's organisation only; passes ``organisation`` to the view."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, org, *args, **kwargs):
        organisation = managed_organisation(request, org)
        return view(request, organisation, *args, **kwargs)

    return wrapped


def organisation_object(queryset: QuerySet | type[Model], organisation: Organisation, **lookup):
    """``get_object_or_404`` restricted to rows of ``organisation`` (their ``organisation`` field)."""
    return get_object_or_404(queryset, organisation=organisation, **lookup)
