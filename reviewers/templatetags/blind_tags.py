"""`{{ text|redact:names }}`: the applicant's name forms blanked in a blind round (names is empty otherwise)."""
from django import template

from reviewers.blind import redact as redact_text

register = template.Library()


@register.filter
def redact(value, names):
    if value is None:
        return ""
    return redact_text(str(value), names or [])
