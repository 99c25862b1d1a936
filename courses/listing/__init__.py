"""The catalogue listing: search, facets with counts, sorting, pagination."""


def build_listing(*, request, index_page):
    return {}
