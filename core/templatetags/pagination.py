"""{% page_url n %}: the current address with ?page=n, keeping every other query parameter (filters,
the round), so templates/_pager.html needs nothing from the view but the page."""
from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context, number: int) -> str:
    query = context["request"].GET.copy()
    query["page"] = number
    return f"?{query.urlencode()}"
