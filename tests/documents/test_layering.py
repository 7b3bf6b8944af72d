"""Documents is infrastructure: it imports no domain app, and the apps that own the data register
their job kinds (and the pages starting them) into it."""
import ast
from pathlib import Path

import pytest
from django.urls import reverse

from documents.kinds import KINDS

DOCUMENTS = Path(__file__).resolve().parents[2] / "documents"
DOMAIN_APPS = {"accounts", "grants", "projects", "reviewers", "finance", "tools"}


def imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_documents_imports_no_domain_app():
    offenders = {
        str(path.relative_to(DOCUMENTS.parent)): sorted(imported_packages(path) & DOMAIN_APPS)
        for path in DOCUMENTS.rglob("*.py") if "migrations" not in path.parts
    }
    assert {name: apps for name, apps in offenders.items() if apps} == {}


def test_the_owning_apps_register_their_kinds():
    assert KINDS["round_agreements"].run.__module__ == "projects.jobs"
    assert KINDS["assignment_run"].run.__module__ == "reviewers.jobs"


@pytest.mark.django_db
def test_the_jobs_page_offers_a_kind_only_to_who_may_start_it(client, world):
    client.force_login(world.officer)
    assert 'data-testid="new-agreement-batch"' in client.get(reverse("documents:jobs")).content.decode()
    client.force_login(world.finance)
    assert 'data-testid="new-agreement-batch"' not in client.get(reverse("documents:jobs")).content.decode()
