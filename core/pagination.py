"""One page of a long list, the same way on every page: ?page= picks it, a bad or out-of-range value
gives the nearest page instead of an error. Render the links with {% include "_pager.html" %}."""
from django.core.paginator import Page, Paginator


def paginate(request, items, per_page: int) -> Page:
    return Paginator(items, per_page).get_page(request.GET.get("page"))
