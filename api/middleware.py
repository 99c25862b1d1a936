"""The API's language: from the request (Accept-Language, or the language cookie), French by default.

``/api/`` has no language prefix, and ``LocaleMiddleware`` with
``prefix_default_language=False`` gives every path outside ``i18n_patterns``
the default language. API clients choose theirs with Accept-Language instead:
messages, course titles and error texts follow it.
"""

from __future__ import annotations

from django.utils import translation

API_PREFIX = "/api/"


class ApiLanguageMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            translation.activate(translation.get_language_from_request(request, check_path=False))
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
