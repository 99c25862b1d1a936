"""Full-text search of course pages through Wagtail's search backend (one query).

On PostgreSQL the ``wagtail.search.backends.database`` backend stems French
words (``SEARCH_CONFIG = "french"``); on SQLite the same call uses its FTS
or fallback implementation. Pages of every language are searched, and the
listing maps the matching pages to their course (translation key).
"""

from __future__ import annotations

import re

from catalogue.models import CoursePage

# Double quotes delimit phrases in SQLite's FTS syntax: a lone one is a syntax
# error there, and they mean nothing to the listing's "every word" search.
# Control characters are no words either; NUL ends SQLite's string early
# ("unterminated string") and PostgreSQL refuses it in any text.
_QUOTES = re.compile(r'["\u201c\u201d\u00ab\u00bb\x00-\x1f\x7f]')


def matching_page_ids(query: str) -> set[int]:
    """Ids of live course pages (any language) matching every word of ``query``."""
    query = _QUOTES.sub(" ", query).strip()
    if not query:
        return set(CoursePage.objects.live().values_list("pk", flat=True))
    results = CoursePage.objects.live().search(query, operator="and", order_by_relevance=False)
    # The database backends expose the filtered queryset: read only the ids
    # instead of loading whole pages (with their StreamFields) for the results.
    get_queryset = getattr(results, "get_queryset", None)
    if get_queryset is not None:
        return set(get_queryset().values_list("pk", flat=True))
    return {page.pk for page in results}
