"""Editorial pages: home, the multi-year programme and the catalogue listing."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, PageViewRestriction
from wagtail.search import index

from catalogue.blocks import ChallengeBlock, ProgrammeYearBlock


def _tree_paths(page: Page) -> list[str]:
    """Tree paths of ``page`` and of every page above it, the tree root included."""
    return [page.path[:end] for end in range(page.steplen, len(page.path) + 1, page.steplen)]


def _restricted_or_aliased(paths: list[str]) -> QuerySet[Page]:
    """Pages at ``paths`` with a view restriction, or aliases (their source's restrictions apply)."""
    restricted = Exists(PageViewRestriction.objects.filter(page_id=OuterRef("pk")))
    return Page.objects.filter(path__in=paths).filter(Q(alias_of__isnull=False) | restricted)


def find_specific_child(parent: Page, slug: str) -> Page | None:
    """The child of ``parent`` with this slug, as its specific page type, in one query.

    Wagtail's own routing reads the child as a plain ``Page``, then again as
    its specific type. Here the tables of the types ``parent`` accepts as
    children are joined in (``select_related`` on the reverse one-to-one
    links of multi-table inheritance), with what each type lists in
    ``route_select_related``; a child of another type still comes back,
    through ``.specific``.

    The same query tells whether a view restriction could apply to the
    child (see ``RoutedPageMixin.get_view_restrictions``).
    """
    accessors = {
        model: link.remote_field.get_accessor_name()
        for model in parent.specific_class.allowed_subpage_models()
        if (link := model._meta.parents.get(Page)) is not None
    }
    related = [
        f"{accessor}__{name}" if name else accessor
        for model, accessor in accessors.items()
        for name in ("", *getattr(model, "route_select_related", ()))
    ]
    child = (
        parent.get_children()
        .filter(slug=slug)
        .select_related(*related)
        .annotate(
            restricted_or_aliased_above=Exists(_restricted_or_aliased(_tree_paths(parent))),
            restricted_here=Exists(PageViewRestriction.objects.filter(page_id=OuterRef("pk"))),
        )
        .first()
    )
    if child is None:
        return None
    accessor = accessors.get(child.specific_class)
    specific = getattr(child, accessor) if accessor else child.specific
    specific.view_restrictions_ruled_out = not (
        child.restricted_or_aliased_above or child.restricted_here or child.alias_of_id
    )
    return specific


class RoutedPageMixin:
    """Serve the site's pages with fewer queries than Wagtail's defaults, and the same answers.

    - ``route`` reads each child page in one query (see ``find_specific_child``);
    - ``get_view_restrictions``, which Wagtail's ``before_serve_page`` hook
      calls on every page it serves, answers from what routing learnt, or
      with one query, when no page from the tree root down to this one has
      a view restriction or is an alias. In any other case it is Wagtail's
      own, unchanged.
    """

    def route(self, request, path_components):
        if not path_components:
            return super().route(request, path_components)
        child = find_specific_child(self, path_components[0])
        if child is None:
            raise Http404
        # As Wagtail does: spare get_parent() a query.
        child._cached_parent_obj = self
        return child.route(request, path_components[1:])

    def get_view_restrictions(self):
        ruled_out = getattr(self, "view_restrictions_ruled_out", None)
        if ruled_out is None and self.path:
            ruled_out = not _restricted_or_aliased(_tree_paths(self)).exists()
        if ruled_out:
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()


class HomePage(RoutedPageMixin, Page):
    """The site's root: the two challenges, upcoming sessions, featured courses, partners."""

    hero_title = models.CharField(_("hero title"), max_length=200)
    hero_text = models.TextField(_("hero text"), blank=True)
    challenges = StreamField(
        [("challenge", ChallengeBlock())], verbose_name=_("strategic challenges"), blank=True, use_json_field=True
    )
    # related_name="+": images do not need a reverse accessor to home pages.
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("hero image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["catalogue.CatalogueIndexPage", "catalogue.ProgrammePage"]
    max_count_per_parent = 1
    template = "catalogue/home_page.html"

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("hero_title"), FieldPanel("hero_text"), FieldPanel("hero_image")], heading=_("Hero")
        ),
        FieldPanel("challenges"),
        InlinePanel("featured_courses", label=_("featured course"), heading=_("Featured courses"), max_num=6),
    ]
    search_fields = Page.search_fields + [index.SearchField("hero_text")]

    class Meta:
        verbose_name = _("home page")


class FeaturedCourse(Orderable):
    """A course the home page puts forward, in the editor's order."""

    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_courses")
    course = models.ForeignKey(
        "catalogue.CoursePage", verbose_name=_("course"), on_delete=models.CASCADE, related_name="+"
    )

    panels = [FieldPanel("course")]

    class Meta(Orderable.Meta):
        verbose_name = _("featured course")
        verbose_name_plural = _("featured courses")


class ProgrammePage(RoutedPageMixin, Page):
    """The multi-year programme "Formation continue ALLyS 2026–2030"."""

    intro = RichTextField(_("introduction"), features=["bold", "italic", "link", "ul"])
    years = StreamField([("year", ProgrammeYearBlock())], verbose_name=_("years"), blank=True, use_json_field=True)
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


class CatalogueIndexPage(RoutedPageMixin, Page):
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
