"""The job page's progress bar follows the job live and offers the download when it is done."""
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from documents import services
from documents.runs import JobRun
from projects.services.agreements import start_agreement_batch
from tests.browser.conftest import fits_width, login, screenshot
from tests.builders import World
from tests.documents.conftest import approved_projects

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_progress_bar_moves_and_the_download_appears(page, phone, monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(services, "dispatch_job", lambda **kw: None)  # the test plays the worker
    world = World(pot=Decimal("50000000.00"))
    approved_projects(world, 3)
    job = start_agreement_batch(actor=world.officer, round_id=world.round.pk)
    claim = services.claim_job(job_id=job.pk)
    run = JobRun(claim.job, claim.attempt)
    run.progress(1)

    login(page, world.officer.username)
    page.goto(f"{page.base}/jobs/{job.pk}/")
    assert page.get_attribute("[data-testid=job-progress]", "aria-valuenow") == "33"
    assert page.is_hidden("[data-testid=job-download]")

    run.progress(2)
    page.wait_for_function("document.getElementById('job-count').textContent.trim() === '2 / 3'")
    expect(page.locator("[data-testid=job-progress]")).to_have_attribute("aria-valuenow", "66")

    out = run.workdir / "agreements.zip"
    out.write_bytes(b"PK\x05\x06" + b"\x00" * 18)  # an empty zip
    services.complete_job(job_id=job.pk, attempt=claim.attempt, produced=out, name="批次-资助协议书.zip")
    page.wait_for_selector("[data-testid=job-download]", state="visible")
    expect(page.locator("[data-testid=job-state]")).to_have_attribute("data-state", "done")
    assert page.get_attribute("[data-testid=job-download]", "href") == f"/jobs/{job.pk}/download/"
    screenshot(page, "documents-job-done")

    login(phone, world.officer.username)
    phone.goto(f"{phone.base}/jobs/")
    assert phone.locator(f"[data-job='{job.pk}']").count() == 1
    assert fits_width(phone)
    screenshot(phone, "documents-jobs-phone")
