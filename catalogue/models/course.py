"""The course sheet: everything Qualiopi indicator 1 asks a course page to show."""

import logging
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from catalogue.blocks import SyllabusBlock, syllabus_total_hours
from catalogue.choices import CourseFormat, CourseLevel, Language
from catalogue.fields import MultipleChoiceJSONField
from catalogue.forms import CoursePageForm
from catalogue.models.pages import RoutedPageMixin
from catalogue.panels import SessionsPanel
from catalogue.qualiopi import IncompleteCoursePageError, ensure_publishable

logger = logging.getLogger(__name__)

RICH_FEATURES = ["bold", "italic", "ol", "ul", "link"]


class CoursePage(RoutedPageMixin, Page):
    """A course of the programme, as published in the catalogue.

    Dated runs of the course are ``courses.Session`` rows, not page content:
    they are operational data with their own lifecycle.
    """

    summary = models.TextField(_("summary"), max_length=600, help_text=_("Two or three sentences shown in listings."))
    themes = ParentalManyToManyField("catalogue.Theme", verbose_name=_("themes"), blank=True, related_name="courses")
    partners = ParentalManyToManyField(
        "catalogue.Partner", verbose_name=_("co-designing partners"), blank=True, related_name="courses"
    )
    trainers = ParentalManyToManyField(
        "catalogue.Trainer", verbose_name=_("trainers"), blank=True, related_name="courses"
    )

    audience = RichTextField(_("target audience"), features=RICH_FEATURES, blank=True)
    level = models.CharField(_("level"), max_length=20, choices=CourseLevel.choices, default=CourseLevel.DISCOVERY)
    prerequisites = RichTextField(_("prerequisites"), features=RICH_FEATURES, blank=True)
    objectives = RichTextField(_("objectives"), features=RICH_FEATURES, blank=True)
    syllabus = StreamField(SyllabusBlock(), verbose_name=_("syllabus"), blank=True, use_json_field=True)
    duration_hours = models.DecimalField(
        _("total duration (hours)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.5"))],
    )

    format = models.CharField(_("format"), max_length=20, choices=CourseFormat.choices, default=CourseFormat.IN_PERSON)
    languages = MultipleChoiceJSONField(_("languages"), choices=Language.choices, default=list, blank=True)

    teaching_methods = RichTextField(_("teaching methods"), features=RICH_FEATURES, blank=True)
    assessment_methods = RichTextField(_("assessment methods"), features=RICH_FEATURES, blank=True)
    access_modalities = RichTextField(
        _("how to access"), features=RICH_FEATURES, blank=True, help_text=_("How to apply and be admitted.")
    )
    access_delay_days = models.PositiveSmallIntegerField(
        _("access delay (days)"),
        null=True,
        blank=True,
        help_text=_("How many days before the start enrolment closes."),
    )

    accessibility = RichTextField(_("accessibility for disabled people"), features=RICH_FEATURES, blank=True)
    accessibility_contact_name = models.CharField(_("accessibility contact"), max_length=200, blank=True)
    accessibility_contact_email = models.EmailField(_("accessibility contact email"), blank=True)

    contact_name = models.CharField(_("course contact"), max_length=200, blank=True)
    contact_email = models.EmailField(_("course contact email"), blank=True)
    contact_phone = models.CharField(_("course contact phone"), max_length=40, blank=True)

    price_from = models.DecimalField(
        _("indicative price from (EUR, incl. tax)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Shown when no session is scheduled yet. Session prices are set per session."),
    )
    pricing_note = models.TextField(_("pricing note"), blank=True)

    certification_title = models.CharField(_("certification"), max_length=255, blank=True)
    certification_code = models.CharField(
        _("RNCP/RS code"), max_length=40, blank=True, help_text=_("For example RS6154 or RNCP36129.")
    )
    certifier = models.CharField(_("certifier"), max_length=255, blank=True)

    # Qualiopi indicator 2, shown once there is data to show.
    satisfaction_rate = models.PositiveSmallIntegerField(
        _("satisfaction rate (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    completion_rate = models.PositiveSmallIntegerField(
        _("completion rate (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )

    # related_name="+": images do not need a reverse accessor to course pages.
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    parent_page_types = ["catalogue.CatalogueIndexPage"]
    subpage_types: list[str] = []
    template = "catalogue/course_page.html"
    # Refuses "Publish" (and a publishing approval) while Qualiopi items are missing.
    base_form_class = CoursePageForm
    # Read with the page when routing to it (see RoutedPageMixin): the hero and link previews show it.
    route_select_related = ("image",)

    search_fields = Page.search_fields + [
        index.SearchField("summary", boost=2),
        index.SearchField("objectives"),
        index.SearchField("audience"),
        index.SearchField("prerequisites"),
        index.SearchField("syllabus"),
        index.AutocompleteField("title"),
        index.RelatedFields("themes", [index.SearchField("name")]),
        index.RelatedFields("partners", [index.SearchField("name"), index.SearchField("short_name")]),
        index.RelatedFields("trainers", [index.SearchField("name")]),
        index.FilterField("format"),
        index.FilterField("level"),
    ]

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("image"),
        MultiFieldPanel(
            [FieldPanel("themes"), FieldPanel("partners"), FieldPanel("trainers")],
            heading=_("Themes, partners and trainers"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("audience"),
                FieldRowPanel([FieldPanel("level"), FieldPanel("format")]),
                FieldPanel("languages"),
                FieldPanel("prerequisites"),
                FieldPanel("objectives"),
            ],
            heading=_("Audience and objectives"),
        ),
        MultiFieldPanel([FieldPanel("syllabus"), FieldPanel("duration_hours")], heading=_("Syllabus")),
        MultiFieldPanel(
            [
                FieldPanel("teaching_methods"),
                FieldPanel("assessment_methods"),
                FieldPanel("access_modalities"),
                FieldPanel("access_delay_days"),
            ],
            heading=_("Methods and access"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("accessibility"),
                FieldRowPanel([FieldPanel("accessibility_contact_name"), FieldPanel("accessibility_contact_email")]),
            ],
            heading=_("Accessibility"),
        ),
        MultiFieldPanel(
            [FieldPanel("contact_name"), FieldRowPanel([FieldPanel("contact_email"), FieldPanel("contact_phone")])],
            heading=_("Contact"),
        ),
        MultiFieldPanel([FieldPanel("price_from"), FieldPanel("pricing_note")], heading=_("Prices")),
        MultiFieldPanel(
            [FieldPanel("certification_title"), FieldPanel("certification_code"), FieldPanel("certifier")],
            heading=_("Certification (optional)"),
        ),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("satisfaction_rate"), FieldPanel("completion_rate")])],
            heading=_("Results (Qualiopi indicator 2)"),
        ),
        SessionsPanel(heading=_("Sessions")),
    ]

    class Meta:
        verbose_name = _("course page")
        verbose_name_plural = _("course pages")

    def publish(self, revision, *args, **kwargs):
        """Refuse to publish a revision that misses Qualiopi indicator-1 items.

        Every publishing path other than the editor's own "Publish" button
        (workflow approval, bulk publish, ``Revision.publish()``, scheduled
        publishing) goes through here; the editor's form refuses earlier with
        field errors. Scheduled publishing logs and skips the revision so
        the other scheduled pages still go live.
        """
        try:
            ensure_publishable(self.with_content_json(revision.content))
        except IncompleteCoursePageError as error:
            if kwargs.get("log_action") != "wagtail.publish.scheduled":
                raise
            logger.error(
                "Scheduled publishing refused for an incomplete course page",
                extra={"page_id": self.pk, "revision_id": revision.pk, "missing": error.missing},
            )
            return None
        return super().publish(revision, *args, **kwargs)

    @cached_property
    def syllabus_hours(self) -> Decimal:
        """Sum of the syllabus modules' hours."""
        return syllabus_total_hours(self.syllabus)

    @property
    def total_hours(self) -> Decimal | None:
        """The stated duration, or the syllabus total when none is stated."""
        return self.duration_hours or (self.syllabus_hours or None)
