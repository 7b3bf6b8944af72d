"""Chinese unless the person asked for another language.

Django's LocaleMiddleware also follows the browser's Accept-Language, so an English-language
browser would get English pages; here the language changes only through the language switch
(which stores the choice in the language cookie) or `?lang=en`.
"""
from django.conf import settings
from django.utils import translation


class ExplicitLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        choice = request.GET.get("lang") or request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = choice if choice in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
