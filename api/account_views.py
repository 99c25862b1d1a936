"""``/api/v1/me/…``: the signed-in person's profile and enrolments (session or personal token).

Views stay thin: the enrolment services decide what is allowed, and their
refusals come back as a 409 with the service's message.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.account_serializers import EnrolmentSerializer, ProfileSerializer
from api.error_schema import errors
from api.permissions import SignedInAPI
from courses.calendar import course_links
from enrolments.models import Enrolment, EnrolmentStatus
from enrolments.services.attendance import attendance_by_enrolment
from enrolments.services.enrolment import enrolment_cancel
from enrolments.services.errors import EnrolmentError, TransitionNotAllowed


class ActionRefused(exceptions.APIException):
    """The domain refused the action (a service's ``EnrolmentError``): its message says why."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This action is not possible.")
    default_code = "refused"


#: A paginated list answers 404 to a page beyond the last one (DRF's page number pagination).
PAGE_BEYOND_THE_LAST = _("No such page: it is beyond the last one.")


def language() -> str:
    return translation.get_supported_language_variant(translation.get_language() or settings.LANGUAGE_CODE)


class ProfileView(SignedInAPI, generics.RetrieveUpdateAPIView):
    """The signed-in person's profile."""

    serializer_class = ProfileSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user

    @extend_schema(operation_id="me_retrieve", responses={200: ProfileSerializer, **errors(401)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="me_update", request=ProfileSerializer, responses={200: ProfileSerializer, **errors(400, 401, 403)}
    )
    def patch(self, request, *args, **kwargs):
        return super().patch(request, *args, **kwargs)


def own_enrolments(user):
    """The person's enrolments (expired holds left out), newest session first, with what the rows show."""
    return (
        Enrolment.objects.filter(learner=user)
        .exclude(status=EnrolmentStatus.EXPIRED)
        .select_related("session", "order")
        .prefetch_related("session__slots")  # the attendance totals
        .order_by("-session__starts_at", "-pk")
    )


class EnrolmentListView(SignedInAPI, generics.ListAPIView):
    """The signed-in person's enrolments, paginated, in a constant number of queries."""

    serializer_class = EnrolmentSerializer

    def get_queryset(self):
        return own_enrolments(self.request.user)

    def get_serializer(self, *args, **kwargs):
        rows = args[0] if args else []
        course_ids = {enrolment.session.course_id for enrolment in rows}
        courses = (
            course_links(course_ids=course_ids, request=self.request._request, language=language())
            if course_ids
            else {}
        )
        # The page's attendance in one query (the slots are prefetched).
        attendance = attendance_by_enrolment(rows)
        kwargs["context"] = self.get_serializer_context() | {"courses": courses, "attendance": attendance}
        return self.serializer_class(*args, **kwargs)

    def get_serializer_context(self) -> dict:
        return super().get_serializer_context() | {"now": timezone.now()}

    @extend_schema(
        operation_id="me_enrolments_list",
        responses={200: EnrolmentSerializer(many=True), **errors(401, 404, e404=PAGE_BEYOND_THE_LAST)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class EnrolmentCancelView(SignedInAPI, APIView):
    """Cancel one of the person's enrolments (free within the withdrawal period), as on the dashboard."""

    @extend_schema(
        operation_id="me_enrolments_cancel",
        request=None,
        responses={200: EnrolmentSerializer, **errors(401, 403, 404, 409)},
    )
    def post(self, request, public_id):
        enrolment = own_enrolments(request.user).filter(public_id=public_id).first()
        if enrolment is None:
            raise exceptions.NotFound
        if enrolment.status != EnrolmentStatus.CONFIRMED:
            raise ActionRefused(TransitionNotAllowed.default_message)
        try:
            enrolment_cancel(enrolment=enrolment)
        except EnrolmentError as error:
            raise ActionRefused(str(error.message)) from None
        enrolment = own_enrolments(request.user).get(pk=enrolment.pk)
        courses = course_links(course_ids=[enrolment.session.course_id], request=request._request, language=language())
        context = {"request": request, "now": timezone.now(), "courses": courses}
        return Response(EnrolmentSerializer(enrolment, context=context).data)
