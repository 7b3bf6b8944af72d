"""Security headers on every kind of response, no inline script the CSP does not name, and
`check --deploy` clean on the production settings."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.middleware import CONTENT_SECURITY_POLICY, INLINE_HANDLERS
from tests.factories import UserFactory

BASE_DIR = Path(settings.BASE_DIR)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_every_response_carries_the_headers(client, who):
    if who == "member":
        client.force_login(UserFactory())
    for url in (reverse("public:index"), reverse("login"), reverse("applicant:dashboard"), "/no-such-page/",
                reverse("admin:login")):
        response = client.get(url)
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url
        assert response["Permissions-Policy"].startswith("accelerometer=()"), url
        assert response["Referrer-Policy"] == "same-origin", url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["X-Frame-Options"] == "DENY", url


def test_the_policy_runs_no_inline_script_and_no_other_origin():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["default-src"] == "'self'"
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert not re.search(r"https?:|\*", CONTENT_SECURITY_POLICY)


def project_templates() -> list[Path]:
    roots = [BASE_DIR / "templates", *(p / "templates" for p in BASE_DIR.iterdir() if (p / "apps.py").exists())]
    return sorted(path for root in roots if root.exists() for path in root.rglob("*.html"))


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
HANDLER = re.compile(r"""\son[a-z]+\s*=\s*(["'])(.*?)\1""", re.I | re.S)


def test_templates_use_no_inline_script_the_policy_does_not_allow():
    """A new inline <script> or on…= handler would be blocked by the browser: move it to static/js
    (or, for a one-line handler, add it to accounts.middleware.INLINE_HANDLERS)."""
    problems = []
    for path in project_templates():
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(BASE_DIR)
        problems += [f"{where}: inline {m.group(0)}" for m in INLINE_SCRIPT.finditer(text)]
        problems += [f"{where}: handler {m.group(2)!r}" for m in HANDLER.finditer(text)
                     if m.group(2) not in INLINE_HANDLERS]
        problems += [f"{where}: javascript: URL" for _ in re.finditer(r"""=\s*["']javascript:""", text, re.I)]
    assert not problems, "\n".join(problems)


def test_every_allowed_inline_handler_is_still_used():
    used = {m.group(2) for path in project_templates() for m in HANDLER.finditer(path.read_text(encoding="utf-8"))}
    assert set(INLINE_HANDLERS) <= used, f"drop from INLINE_HANDLERS: {set(INLINE_HANDLERS) - used}"


def run_manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def production_env(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "k7#Qz!v2_" + "x9LmP4wR8tYb3NcS6dF1gH5jK0aE7uI2oZ" * 2)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'production.sqlite3'}")
    monkeypatch.setenv("ALLOWED_HOSTS", "yichuang.example.gov.cn")
    monkeypatch.setenv("STATIC_ROOT", str(tmp_path / "static"))
    # Set by the test harness (Playwright needs it), never by a deployment.
    harness = ("DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE")
    for name in ("DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", *harness):
        monkeypatch.delenv(name, raising=False)
    return os.environ.copy()


def test_check_deploy_is_clean_on_production_settings(production_env):
    result = run_manage(production_env, "check", "--deploy", "--settings=config.settings.production",
                        "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(production_env):
    env = {**production_env, "SECRET_KEY": ""}
    result = run_manage(env, "check", "--settings=config.settings.production")
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr
