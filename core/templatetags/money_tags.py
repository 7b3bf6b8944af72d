from django import template

from core.money import format_yuan, rmb_upper

register = template.Library()


@register.filter
def yuan(value) -> str:
    """1234567.8 → "1,234,567.80"; empty for None."""
    return "" if value is None or value == "" else format_yuan(value)


@register.filter
def upper_rmb(value) -> str:
    return "" if value is None or value == "" else rmb_upper(value)
