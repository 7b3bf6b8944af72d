from decimal import Decimal

from django import template

from core.money import format_yuan, money, rmb_upper

register = template.Library()


@register.filter
def yuan(value) -> str:
    """1234567.8 → "1,234,567.80"; empty for None. The one way money is shown on every page: thousands
    separators and two decimals, never "74000.00" beside "74,000.00". Accepts the fen strings of
    exports and open-data rows too."""
    if value is None or value == "":
        return ""
    return format_yuan(money(value, allow_negative=True, bounded=False) if isinstance(value, str) else value)


@register.filter
def upper_rmb(value) -> str:
    return "" if value is None or value == "" else rmb_upper(value)


@register.filter
def figure(value) -> str:
    """A quantity or target that is not money: 2000.00 → "2,000", 2.50 → "2.5" (its own decimals only)."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value))
    text = f"{number.normalize():,f}"
    return text
