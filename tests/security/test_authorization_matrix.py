"""Every URL pattern × every role × objects owned by organization A.

Allowed roles must get the page (200, or for a POST-only view a 200/302 that is not the login
page); everyone else must get 404, 403 or a redirect to the login page, for GET and for POST, and
a refused POST must write nothing. No page any role may open shows another organization's draft
or a proposal to an expert who is not reviewing it. A URL pattern missing from
tests/security/access_policy.py fails the first test, naming the pattern.
"""
from urllib.parse import urlparse

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max
from django.test import Client
from django.urls import reverse

from tests.security.access_policy import POLICY, PUBLIC, PUBLIC_KWARGS, post_data
from tests.security.scene import DRAFT_MARKER, REVIEW_MARKER, ROLES, build_scene
from tests.security.urlwalk import Pattern, all_patterns

# Which roles may ever read each marker (see tests/security/scene.py).
MARKER_READERS = {
    DRAFT_MARKER: {"member_a", "officer", "admin"},
    REVIEW_MARKER: {"member_a", "officer", "admin", "expert_assigned"},
}


def test_every_url_pattern_is_classified():
    patterns = all_patterns()
    unknown = sorted(p.key for p in patterns if not p.is_admin and p.key not in POLICY)
    assert not unknown, (
        "URL patterns without an access policy: " + ", ".join(unknown)
        + ". Add each to POLICY in tests/security/access_policy.py with the roles that may open it "
          "(PUBLIC only for pages meant for everyone)."
    )
    stale = sorted(set(POLICY) - {p.key for p in patterns})
    assert not stale, f"tests/security/access_policy.py lists patterns that no longer exist: {stale}"


def test_public_patterns_with_parameters_say_how_to_fill_them():
    missing = sorted(p.key for p in all_patterns()
                     if POLICY.get(p.key) == PUBLIC and p.params and p.key not in PUBLIC_KWARGS)
    assert not missing, f"add example parameters to PUBLIC_KWARGS for: {missing}"


@pytest.fixture
def stub_pdf(monkeypatch):
    """PDF rendering is slow and not what is tested here; the template still renders, and its HTML
    is what the response carries, so the leak check reads it too."""
    import documents.pdf

    monkeypatch.setattr(documents.pdf, "html_to_pdf", lambda html, fetcher=None: b"%PDF-stub\n" + html.encode())


@pytest.mark.django_db
def test_each_role_gets_exactly_what_the_policy_allows(stub_pdf, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    scene = build_scene()
    problems: list[str] = []
    for role in ROLES:
        # Each role starts from the scene as built: whatever an allowed POST changed is undone.
        with transaction.atomic():
            problems += Walk(scene, role).run()
            transaction.set_rollback(True)
    assert not problems, f"{len(problems)} authorization problems:\n" + "\n".join(problems)


class Walk:
    def __init__(self, scene, role: str):
        self.scene, self.role = scene, role
        self.client = Client()
        if scene.users[role] is not None:
            self.client.force_login(scene.users[role])
        self.problems: list[str] = []

    def run(self) -> list[str]:
        allowed_posts, denied_posts = [], []
        for pattern in all_patterns():
            spec = POLICY.get(pattern.key)
            if pattern.is_admin and spec is None:
                self.admin(pattern, denied_posts)
                continue
            if spec is None:
                continue  # reported by test_every_url_pattern_is_classified
            if spec == PUBLIC:
                kwargs = PUBLIC_KWARGS.get(pattern.key, lambda s: {})(self.scene)
                self.request("get", pattern.url(kwargs), pattern.key, expect="any")
                continue
            for case in spec:
                url = pattern.url(case.kwargs(self.scene))
                data = post_data(pattern.key, case, self.scene)
                if self.role in case.allowed and case.post_only:
                    allowed_posts.append((url, pattern.key, data))
                elif self.role in case.allowed:
                    response = self.request("get", url, pattern.key, expect="any")
                    if response is not None and response.status_code == 405:
                        allowed_posts.append((url, pattern.key, data))
                    elif response is not None and response.status_code != 200:
                        self.fail(pattern.key, "GET", url, f"allowed, but got {describe(response)}")
                else:
                    self.request("get", url, pattern.key, expect="denied")
                    denied_posts.append((url, pattern.key, data))
        for url, key, data in denied_posts:
            before = fingerprint()
            self.request("post", url, key, expect="denied", data=data)
            if fingerprint() != before:
                self.fail(key, "POST", url, "refused, but it wrote to the database")
        for url, key, data in allowed_posts:
            response = self.request("post", url, key, expect="any", data=data)
            if response is not None and (response.status_code not in (200, 302) or to_login(response)):
                self.fail(key, "POST", url, f"allowed, but got {describe(response)}")
        return self.problems

    def admin(self, pattern: Pattern, denied_posts: list) -> None:
        try:
            url = pattern.url(admin_kwargs(pattern, self.scene))
        except KeyError as missing:
            self.fail(pattern.key, "GET", pattern.route, f"cannot fill parameter {missing}; teach admin_kwargs")
            return
        if self.role == "admin":
            self.request("get", url, pattern.key, expect="any")
            return
        self.request("get", url, pattern.key, expect="denied")
        if not pattern.view_module.startswith("django."):
            denied_posts.append((url, pattern.key, {}))

    def request(self, method: str, url: str, key: str, *, expect: str, data=None):
        try:
            with transaction.atomic():
                response = getattr(self.client, method)(url, data or {})
        except Exception as exc:  # a 500: the view crashed
            self.fail(key, method.upper(), url, f"raised {type(exc).__name__}: {exc}")
            return None
        # Read to the end: the test client closes a streamed file then, with the connection kept
        # (response.close() called here would end the test's transaction on PostgreSQL).
        text = body(response)
        if response.status_code >= 500:
            self.fail(key, method.upper(), url, f"answered {response.status_code}")
        if expect == "denied" and not refused(response):
            self.fail(key, method.upper(), url, f"must be refused, got {describe(response)}")
        if response.status_code == 200:
            self.check_leaks(key, method.upper(), url, text)
        return response

    def check_leaks(self, key: str, method: str, url: str, text: str) -> None:
        for marker, readers in MARKER_READERS.items():
            if self.role not in readers and marker in text:
                self.fail(key, method, url, f"shows {marker!r}, which {self.role} may not read")

    def fail(self, key: str, method: str, url: str, what: str) -> None:
        self.problems.append(f"[{self.role}] {key} {method} {url}: {what}")


def to_login(response) -> bool:
    if response.status_code != 302:
        return False
    return urlparse(response["Location"]).path in (reverse("login"), reverse("admin:login"))


def refused(response) -> bool:
    # 405 answers before anything is looked up; the walk sends the other method too.
    return response.status_code in (403, 404, 405) or to_login(response)


def describe(response) -> str:
    if response.status_code in (301, 302):
        return f"{response.status_code} → {response['Location']}"
    return str(response.status_code)


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", errors="ignore")


def fingerprint() -> tuple:
    """Every service writes an audit row or moves a timestamp; a refused request must do neither."""
    from documents.models import JobEvent
    from finance.models import BatchEvent, LedgerEntry
    from projects.models import Attachment, Project, ProjectEvent
    from reviewers.models import Assignment

    return (
        ProjectEvent.objects.count(), BatchEvent.objects.count(), LedgerEntry.objects.count(),
        JobEvent.objects.count(), Attachment.objects.count(),
        Assignment.objects.aggregate(Max("draft_saved_at"), Max("declared_at"), Max("submitted_at")),
        Project.objects.aggregate(Max("updated_at"))["updated_at__max"],
    )


def admin_kwargs(pattern: Pattern, scene) -> dict:
    """Parameters of Django admin URLs: an existing object of the model the URL is about."""
    parts = pattern.route.split("/")
    model = None
    if len(parts) > 3:
        try:
            model = apps.get_model(parts[1], parts[2])
        except LookupError:
            model = None
    obj = (model._default_manager.order_by("pk").first() if model else None) or scene.review
    values = {
        "object_id": obj.pk, "id": obj.pk, "pk": obj.pk,
        "content_type_id": ContentType.objects.get_for_model(scene.review).pk,
        "app_label": "projects", "url": "no-such-page/", "name": "submit",
    }
    return {name: values[name] for name in pattern.params}
