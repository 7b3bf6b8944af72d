"""Labels for codes that templates would otherwise print raw (an expert's domains are a JSON list of codes)."""
from django import template

from projects.diff import domain_label

register = template.Library()


@register.filter
def domain_labels(codes) -> str:
    """["youth", "hardship"] → "青少年发展、困难救助" (an unknown code is shown as stored)."""
    if not isinstance(codes, (list, tuple)):
        return ""
    return "、".join(domain_label(str(code)) for code in codes)
