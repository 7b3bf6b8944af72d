"""A script payload in every free-text field an applicant or an expert fills renders inert: escaped
on every page of the site (walked through the access policy, so new pages are covered), and as
literal text in the PDFs."""
import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from grants.models import Membership
from tests.applicant.test_registration import _data as registration_data
from tests.documents.pdfcheck import pdf_objects, pdf_text
from tests.security.access_policy import POLICY, PUBLIC, PUBLIC_KWARGS
from tests.security.scene import build_scene
from tests.security.urlwalk import all_patterns

pytestmark = pytest.mark.django_db

XSS = """<script>alert(1)</script>"'><img src=x onerror=alert(1)>"""
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
# Whoever sees most of each page; the authorization matrix covers who may see it at all.
VIEWER_ORDER = ("member_a", "officer", "expert_assigned", "finance", "evaluator", "admin", "member_b",
                "expert_other")
# Pages that must show the payload (escaped), so the walk cannot pass by showing nothing.
MUST_SHOW = {
    "applicant:project", "applicant:section", "applicant:reports", "applicant:adjustment", "applicant:agreement",
    "projects:officer_detail", "projects:changes", "projects:adjustment", "reviewers:review", "reviewers:panel",
    "reviewers:score_sheet", "reviewers:publicity", "public:index", "public:round",
    "monitoring:evaluate", "finance:batch_detail", "documents:agreement_pdf", "monitoring:evaluation_report",
}


class InjectedMarkup(HTMLParser):
    """Elements or attributes the payload would create if it were not escaped."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        for name, value in attrs:
            if name.startswith("on") and "alert(1)" in (value or ""):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "img" and dict(attrs).get("src") == "x":
            self.found.append("<img src=x>")

    def handle_data(self, data):
        if self._in_script and "alert(1)" in data:
            self.found.append(f"<script>{data}</script>")

    def handle_endtag(self, tag):
        self._in_script = False


def injected(html: str) -> list[str]:
    parser = InjectedMarkup()
    parser.feed(html)
    parser.close()
    return parser.found


@pytest.fixture
def stub_pdf(monkeypatch):
    """The PDF's HTML, as WeasyPrint would receive it, is what the walk checks; real PDFs below. A document
    drawn directly (documents.flow: the agreement) is made to take its WeasyPrint fallback, whose HTML is
    checked here; its direct PDF is checked below."""
    import documents.flow
    import documents.pdf

    monkeypatch.setattr(documents.pdf, "html_to_pdf", lambda html, fetcher=None: b"%PDF-stub\n" + html.encode())
    monkeypatch.setattr(documents.flow, "supports", lambda document: False)


def test_the_parser_would_see_an_unescaped_payload():
    assert len(injected(f"<p>{XSS}</p>")) == 3
    assert injected(f"<p>{ESCAPED}</p>") == []


def test_every_page_shows_the_payload_as_text(stub_pdf, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    scene = build_scene(text=XSS)
    clients = {role: Client() for role in scene.users}
    for role, user in scene.users.items():
        if user is not None:
            clients[role].force_login(user)
    problems, shown = [], set()
    for pattern in all_patterns():
        spec = POLICY.get(pattern.key)
        if spec is None:
            continue
        if spec == PUBLIC:
            requests = [("anonymous", PUBLIC_KWARGS.get(pattern.key, lambda s: {})(scene))]
        else:
            requests = [(next(r for r in VIEWER_ORDER if r in case.allowed), case.kwargs(scene))
                        for case in spec if not case.post_only]
        for role, kwargs in requests:
            url = pattern.url(kwargs)
            response = clients[role].get(url)
            if response.status_code != 200 or response.streaming:
                continue
            body = response.content.decode("utf-8", errors="ignore")
            if re.match(r"text/html|application/pdf", response["Content-Type"]):
                problems += [f"{pattern.key} {url} ({role}): {found}" for found in injected(body)]
                if ESCAPED in body:
                    shown.add(pattern.key)
    assert not problems, "\n".join(problems)
    assert not MUST_SHOW - shown, f"these pages no longer show the field at all: {sorted(MUST_SHOW - shown)}"


@pytest.fixture
def xss_scene(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return build_scene(text=XSS)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("document", ["agreement", "score_sheet", "evaluation_report"])
def test_pdfs_print_the_payload_as_literal_text(xss_scene, document):
    who, url = {
        "agreement": ("member_a", reverse("documents:agreement_pdf", args=[xss_scene.publicity.pk])),
        "score_sheet": ("officer", reverse("reviewers:score_sheet_pdf", args=[xss_scene.publicity.pk])),
        "evaluation_report": ("officer", reverse("monitoring:evaluation_report", args=[xss_scene.completed.pk])),
    }[document]
    client = Client()
    client.force_login(xss_scene.users[who])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert squeeze(XSS) in squeeze(pdf_text(pdf))  # printed as typed: nothing was taken for markup
    objects = pdf_objects(pdf)  # not the raw bytes: compressed font data spells "/AA" now and then
    for active in (b"/JavaScript", b"/JS", b"/OpenAction", b"/Launch", b"/AA"):
        assert active not in objects


def test_organization_name_given_at_registration_is_escaped(client):
    data = registration_data(name=XSS, address=XSS, contact_name="王" + XSS[:40])
    response = client.post(reverse("applicant:register"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Membership.objects.get(user__username=data["username"]).organization.name == XSS
    for url in (reverse("applicant:organization"), reverse("applicant:dashboard"), reverse("applicant:rounds")):
        body = client.get(url).content.decode()
        assert injected(body) == [], url
    assert ESCAPED in client.get(reverse("applicant:organization")).content.decode()
