"""Editorial pages: home, the multi-year programme and the catalogue listing."""

from django.conf import settings
from django.db import models
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from catalogue.blocks import ChallengeBlock, ProgrammeYearBlock


class HomePage(Page):
    """The site's root: the two challenges, upcoming sessions, featured courses, partners."""

    hero_title = models.CharField(_("hero title"), max_length=200)
    hero_text = models.TextField(_("hero text"), blank=True)
    challenges = StreamField(
        [("challenge", ChallengeBlock())], verbose_name=_("strategic challenges"), blank=True, use_json_field=True
    )
    # related_name="+": images do not need a reverse accessor to home pages.
    hero_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["catalogue.CatalogueIndexPage", "catalogue.ProgrammePage"]
    max_count_per_parent = 1
    template = "catalogue/home_page.html"

    content_panels = Page.content_panels + [
        MultiFieldPanel([FieldPanel("hero_title"), FieldPanel("hero_text"), FieldPanel("hero_image")], heading=_("Hero")),
        FieldPanel("challenges"),
        InlinePanel("featured_courses", label=_("Featured courses"), max_num=6),
    ]
    search_fields = Page.search_fields + [index.SearchField("hero_text")]

    class Meta:
        verbose_name = _("home page")


class FeaturedCourse(Orderable):
    """A course the home page puts forward, in the editor's order."""

    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_courses")
    course = models.ForeignKey("catalogue.CoursePage", on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("course")]


class ProgrammePage(Page):
    """The multi-year programme "Formation continue ALLyS 2026–2030"."""

    intro = RichTextField(_("introduction"), features=["bold", "italic", "link", "ul"])
    years = StreamField(
        [("year", ProgrammeYearBlock())], verbose_name=_("years"), blank=True, use_json_field=True
    )
    themes = ParentalManyToManyField("catalogue.Theme", verbose_name=_("themes"), blank=True, related_name="+")
    partners = ParentalManyToManyField("catalogue.Partner", verbose_name=_("partners"), blank=True, related_name="+")
    starts_year = models.PositiveSmallIntegerField(_("first year"), default=2026)
    ends_year = models.PositiveSmallIntegerField(_("last year"), default=2030)

    parent_page_types = ["catalogue.HomePage"]
    subpage_types: list[str] = []
    template = "catalogue/programme_page.html"

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        MultiFieldPanel([FieldPanel("starts_year"), FieldPanel("ends_year")], heading=_("Period")),
        FieldPanel("years"),
        FieldPanel("themes"),
        FieldPanel("partners"),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro")]

    class Meta:
        verbose_name = _("programme page")


class CatalogueIndexPage(Page):
    """The catalogue listing at ``/formations/``: search, facets, sorting, pages.

    The listing itself is built by ``settings.CATALOGUE_LISTING_BUILDER``
    (``courses.listing.build_listing``); this page only
    holds the editable intro and routes requests to it.
    """

    intro = RichTextField(_("introduction"), features=["bold", "italic", "link"], blank=True)

    parent_page_types = ["catalogue.HomePage"]
    subpage_types = ["catalogue.CoursePage"]
    max_count_per_parent = 1
    template = "catalogue/catalogue_index_page.html"

    content_panels = Page.content_panels + [FieldPanel("intro")]

    class Meta:
        verbose_name = _("catalogue listing")

    def get_context(self, request, *args, **kwargs):
        # The listing needs the schedule (dates, places, prices), which lives
        # in a layer above the catalogue; it is plugged in through settings
        # so that imports keep running one way (catalogue <- courses).
        build_listing = import_string(settings.CATALOGUE_LISTING_BUILDER)
        context = super().get_context(request, *args, **kwargs)
        context["listing"] = build_listing(request=request, index_page=self)
        return context
