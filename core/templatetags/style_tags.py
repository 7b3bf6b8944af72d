"""Small typographic rules every page follows: a label's colon in the page's language."""
from django import template
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag
def colon() -> str:
    """"：" after a Chinese label, ": " after an English one (an ASCII colon after Chinese reads as a typo)."""
    return ": " if (get_language() or "").startswith("en") else "："
