"""{% page_url n %}: the current address with ?page=n, keeping every other query parameter (filters,
the round, another list's page), so templates/_pager.html needs nothing from the view but the page.
A page with several paged lists names each list's parameter: {% page_url n "final_page" %}."""
from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context, number: int, param: str = "page") -> str:
    query = context["request"].GET.copy()
    query[param or "page"] = number
    return f"?{query.urlencode()}"
