"""Display money the way every other page does (finance.money.format_yuan): 1,234,567.80."""
from django import template

from finance.money import format_yuan

register = template.Library()


@register.filter
def yuan(value):
    return "" if value in (None, "") else format_yuan(value)
