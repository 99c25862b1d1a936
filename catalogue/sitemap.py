"""The sitemap: every live public page in every language.

Wagtail's default sitemap walks only the site's root page, which is the
French home; the English tree is a sibling translation of it, so it would
be left out.
"""

from django.db.models import Q
from wagtail.contrib.sitemaps import Sitemap
from wagtail.models import Page


class LocalizedSitemap(Sitemap):
    def items(self):
        root = self.get_wagtail_site().root_page
        roots = Page.objects.filter(translation_key=root.translation_key).values_list("path", flat=True)
        in_any_tree = Q()
        for path in roots:
            in_any_tree |= Q(path__startswith=path)
        return Page.objects.filter(in_any_tree).live().public().order_by("path").defer_streamfields().specific()
