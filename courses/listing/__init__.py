"""The catalogue listing at /formations/: search, facets with counts, sorting, pagination.

Public entry points:

- ``build_listing(request=…, index_page=…)``: the template context of the
  listing (``CatalogueIndexPage.get_context`` calls it through
  ``settings.CATALOGUE_LISTING_BUILDER``);
- ``catalogue_session_ids(params, language=…)``: ids of the upcoming
  sessions matching the same filters (for ``/calendar/catalogue.ics``).

The query parameters are documented in ``courses.listing.filters``.
"""

from courses.listing.context import build_listing, catalogue_session_ids, clear_cache

__all__ = ["build_listing", "catalogue_session_ids", "clear_cache"]
