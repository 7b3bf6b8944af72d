"""Staff pages speak Chinese: no page an officer, a finance officer or an evaluator opens in a demo-like world (the authorization
matrix's scene, plus a revised budget, a reviewed report and a submitted application) shows an
internal code from the models' choices, a field name or an English diff word in its visible text."""
import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from grants.defaults import ATTACHMENT_KINDS, DOMAINS
from grants.models import CreditListType, OrgType
from projects import services
from projects.models import AdjustmentState, Category, ReportKind, ReportReview, Source
from projects.services.drafting import EDITABLE_FIELDS
from projects.states import State
from tests.builders import budget
from tests.security.access_policy import POLICY, PUBLIC
from tests.security.scene import build_scene
from tests.security.urlwalk import all_patterns

CODES = sorted({
    *Category.values, *Source.values, *DOMAINS, *OrgType.values, *CreditListType.values, *State.values,
    *ReportKind.values, *ReportReview.values, *AdjustmentState.values, *ATTACHMENT_KINDS,
    *(f for f in EDITABLE_FIELDS if "_" in f), "unit_price", "budget_line", "changed", "added", "removed",
}, key=len, reverse=True)
# A code standing alone: not inside a longer word, a file name (receipt-3.pdf, charter.pdf) or an address.
CODE = re.compile(r"(?<![A-Za-z0-9_\-./@])(" + "|".join(map(re.escape, CODES)) + r")(?![A-Za-z0-9_\-@.])")


class VisibleText(HTMLParser):
    """The text a reader sees: text nodes outside script and style, not attributes."""

    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def test_the_code_pattern_finds_codes_and_spares_words():
    assert CODE.findall(visible("<td>labor</td><td>grant、cofund</td><p>youth、hardship</p>")) == [
        "labor", "grant", "cofund", "youth", "hardship"]
    assert not CODE.findall(visible('<a href="/x/labor/" data-state="submitted">receipt-3.pdf charter.pdf 劳务费</a>'))


def _extra_pages(scene) -> list[str]:
    """Pages the scene does not reach: a budget revised between versions, reports reviewed both
    ways and resubmitted, an application waiting for its eligibility check."""
    world = scene.world
    org, member = world.new_org()
    project = world.advance(world.draft(org, member, title="预算修改的项目"), State.SUBMITTED)
    services.return_for_revision(actor=world.officer, project_id=project.pk, comment="请调整预算")
    lines = list(reversed(budget("100000.00", "40000.00", cofund_labor="5000.00")))
    lines[0]["category"] = "training"
    services.replace_budget(actor=member, project_id=project.pk, lines=lines)
    services.update_project(actor=member, project_id=project.pk, domain="youth", government_funded=False)
    services.submit_project(actor=member, project_id=project.pk)
    running = scene.running
    report = running.reports.get()
    services.review_report(actor=world.officer, report_id=report.pk, accept=False, comment="请按预算行填报")
    line = running.budget_lines.first()
    again = services.submit_report(actor=world.member, project_id=running.pk, kind="", narrative="补充",
                                   expenditures=[{"budget_line_id": line.pk, "item": "物资", "amount": "100.00"}],
                                   resubmission_of=report.pk)
    return [
        reverse("projects:officer_detail", args=[project.pk]),
        reverse("projects:changes", args=[project.pk]),
        reverse("projects:officer_detail", args=[running.pk]),
        reverse("projects:officer_report", args=[report.pk]),
        reverse("projects:officer_report", args=[again.pk]),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("role, at_least", [("officer", 25), ("finance", 8), ("evaluator", 5)])
def test_no_staff_page_shows_an_internal_code(settings, tmp_path, monkeypatch, role, at_least):
    import documents.pdf

    monkeypatch.setattr(documents.pdf, "html_to_pdf", lambda html, fetcher=None: b"%PDF-stub\n")
    settings.MEDIA_ROOT = tmp_path
    scene = build_scene()
    urls = _extra_pages(scene)
    for pattern in all_patterns():
        spec = POLICY.get(pattern.key)
        if pattern.is_admin or spec is None or spec == PUBLIC:
            continue
        urls += [pattern.url(case.kwargs(scene)) for case in spec if role in case.allowed and not case.post_only]
    client = Client()
    client.force_login(scene.users[role])
    found, pages = [], 0
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        pages += 1
        text = visible(response.content.decode())
        found += [f"{url}: {code}" for code in sorted(set(CODE.findall(text)))]
    assert pages > at_least  # the walk really rendered the role's pages
    assert not found, "internal codes on staff pages:\n" + "\n".join(found)
