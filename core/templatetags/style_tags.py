"""Small typographic rules every page follows: a label's colon in the page's language."""
from django import template
from django.utils.translation import get_language, gettext_noop

# Django's forms end every label with gettext(":"), which Django's own Chinese catalog leaves as an ASCII
# colon ("创投批次:"); this project's catalog, read first, makes it "：". Named here so that makemessages
# keeps the entry.
LABEL_SUFFIX = gettext_noop(":")

register = template.Library()


@register.simple_tag
def colon() -> str:
    """"：" after a Chinese label, ": " after an English one (an ASCII colon after Chinese reads as a typo)."""
    return ": " if (get_language() or "").startswith("en") else "："
