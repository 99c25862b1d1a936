"""The REST API (``/api/v1/``): the public catalogue for partners and portals, documented with OpenAPI.

It sits at the edge, like the LMS seam: it imports catalogue, courses and
enrolments, and nothing imports it.
"""
