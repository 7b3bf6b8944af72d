"""One pager for every long list: it keeps the page's other query parameters (filters, the round)."""
from django.template.loader import render_to_string
from django.test import RequestFactory

from core.pagination import paginate


def test_the_pager_keeps_the_other_query_parameters():
    request = RequestFactory().get("/finance/ledger/", {"round": "3", "page": "2"})
    page = paginate(request, list(range(95)), 10)
    html = render_to_string("_pager.html", {"page": page, "request": request})
    assert 'data-testid="pager"' in html
    assert 'href="?round=3&amp;page=1"' in html and 'href="?round=3&amp;page=3"' in html


def test_a_bad_page_number_gives_the_nearest_page_and_one_page_needs_no_pager():
    request = RequestFactory().get("/", {"page": "99"})
    assert paginate(request, list(range(95)), 10).number == 10
    assert paginate(RequestFactory().get("/", {"page": "x"}), list(range(95)), 10).number == 1
    single = paginate(RequestFactory().get("/"), [1, 2], 10)
    assert render_to_string("_pager.html", {"page": single, "request": RequestFactory().get("/")}).strip() == ""
