"""Output shapes of the public catalogue API (read-only; they also document the schema).

The views hand these serializers plain dicts built from the listing's
cached rows and a few bulk queries, so no serializer field ever reaches
the database.
"""

from __future__ import annotations

from rest_framework import serializers

from catalogue.choices import CourseFormat, CourseLevel, Language, PartnerKind
from courses.availability import SessionState
from courses.models import PriceTierKind, SessionStatus


class ImageSerializer(serializers.Serializer):
    """A rendition of an image, cropped or scaled like on the website's pages."""

    url = serializers.URLField(help_text="Absolute URL of the rendition.")
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    alt = serializers.CharField(allow_blank=True, help_text="The image's description, else its title.")


class ThemeSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    summary = serializers.CharField(allow_blank=True)


class PartnerSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    short_name = serializers.CharField(allow_blank=True)
    kind = serializers.ChoiceField(choices=PartnerKind.choices)
    website = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    is_lead = serializers.BooleanField()
    logo = ImageSerializer(allow_null=True, help_text="At most 200×80 pixels, proportions kept.")


class TrainerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    job_title = serializers.CharField(allow_blank=True)
    organisation = serializers.CharField(allow_null=True, help_text="Slug of the trainer's partner organisation.")
    qualifications = serializers.CharField(allow_blank=True)
    photo = ImageSerializer(allow_null=True, help_text="Cropped to 96×96 pixels.")


class ProgrammeSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    language = serializers.ChoiceField(choices=Language.choices)
    url = serializers.CharField()
    intro = serializers.CharField(help_text="HTML.")
    starts_year = serializers.IntegerField()
    ends_year = serializers.IntegerField()
    themes = serializers.ListField(child=serializers.CharField(), help_text="Theme slugs.")
    partners = serializers.ListField(child=serializers.CharField(), help_text="Partner slugs.")
    last_published_at = serializers.DateTimeField(allow_null=True)


class LabelSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class PriceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PriceTierKind.choices)
    amount_incl_tax = serializers.DecimalField(max_digits=12, decimal_places=2)
    amount_excl_tax = serializers.DecimalField(max_digits=12, decimal_places=2)
    vat_rate = serializers.DecimalField(max_digits=4, decimal_places=2, help_text="0.00 when VAT exempt.")
    vat_exempt = serializers.BooleanField()
    currency = serializers.CharField()


class SessionSummarySerializer(serializers.Serializer):
    code = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=SessionStatus.choices)
    state = serializers.ChoiceField(choices=SessionState.choices)
    places_left = serializers.IntegerField()
    capacity = serializers.IntegerField()
    languages = serializers.ListField(child=serializers.ChoiceField(choices=Language.choices))
    is_online = serializers.BooleanField()
    city = serializers.CharField(allow_blank=True)
    enrolment_closes_at = serializers.DateTimeField()
    prices = PriceSerializer(many=True)


class CourseLinkSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()


class SessionSerializer(SessionSummarySerializer):
    course = CourseLinkSerializer()


class CourseSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    language = serializers.ChoiceField(choices=Language.choices, help_text="Language of the page shown.")
    url = serializers.CharField(help_text="The course page on the website.")
    summary = serializers.CharField(allow_blank=True)
    objectives = serializers.CharField(allow_blank=True, help_text="HTML.")
    hours = serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True)
    format = serializers.ChoiceField(choices=CourseFormat.choices)
    level = serializers.ChoiceField(choices=CourseLevel.choices)
    languages = serializers.ListField(child=serializers.ChoiceField(choices=Language.choices))
    themes = LabelSerializer(many=True)
    partners = LabelSerializer(many=True)
    price_from = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    sessions = SessionSummarySerializer(many=True, help_text="Upcoming scheduled sessions, by start.")
    image = ImageSerializer(allow_null=True, help_text="Cropped to 800×450 pixels, as on the course cards.")


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField(allow_blank=True)
    email = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)


class CourseDetailSerializer(CourseSerializer):
    audience = serializers.CharField(allow_blank=True, help_text="HTML.")
    prerequisites = serializers.CharField(allow_blank=True, help_text="HTML.")
    teaching_methods = serializers.CharField(allow_blank=True, help_text="HTML.")
    assessment_methods = serializers.CharField(allow_blank=True, help_text="HTML.")
    access_modalities = serializers.CharField(allow_blank=True, help_text="HTML.")
    access_delay_days = serializers.IntegerField(allow_null=True)
    accessibility = serializers.CharField(allow_blank=True, help_text="HTML.")
    contact = ContactSerializer()
    pricing_note = serializers.CharField(allow_blank=True)
    certification_title = serializers.CharField(allow_blank=True)
    certification_code = serializers.CharField(allow_blank=True)
    satisfaction_rate = serializers.IntegerField(allow_null=True)
    completion_rate = serializers.IntegerField(allow_null=True)
    trainers = TrainerSerializer(many=True)
