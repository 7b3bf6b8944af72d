"""Blind that holds: an expert in a blind round walks every page and file they can reach (following
every link from their start pages) and none carries the applicant's name or a short form of it: not
in a page, a title, a file name, a document's metadata or its text. The one page that shows the names
on purpose is the round's list for conflict declarations."""
import io
import re
from html import unescape
from urllib.parse import unquote, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfReader

from projects import services as project_services
from projects.states import State
from reviewers import services, steering
from tests.reviewers.helpers import scores_for
from tests.reviewers.pdfs import pdf_with

NAME = "温州市鹿城区阳光社会工作服务中心"
FORMS = [NAME, "鹿城区阳光社会工作服务中心", "阳光社会工作服务中心", "鹿城区阳光"]
LINK = re.compile(r'(?:href|src)="([^"#]+)')


def _png_naming(name: str) -> bytes:
    info = PngInfo()
    info.add_text("Author", name)
    info.add_text("Comment", f"{name}活动照片")
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, format="PNG", pnginfo=info)
    return out.getvalue()


@pytest.fixture
def blind_proposal(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world.round.blind_review = True
    world.round.experts_per_project = 1
    world.round.require_finance_expert = False
    world.round.save()
    org, member = world.new_org(name=NAME, bank_account_name=NAME, address="鹿城区五马街道100号")
    project = world.draft(org, member, title="阳光社会工作服务中心长者助餐计划")
    project_services.update_project(
        actor=member, project_id=project.pk, summary=f"{NAME}成立于2015年，长期服务高龄老人。",
        team="鹿城区阳光团队：社工3名，志愿者20名", need_analysis="阳光社会工作服务中心调研发现独居老人320人")

    def upload(kind, name, data, content_type):
        return project_services.add_attachment(actor=member, project_id=project.pk, kind=kind,
                                               uploaded_file=SimpleUploadedFile(name, data, content_type))
    upload("other", f"{NAME}-项目申报书.pdf", pdf_with(title=f"{NAME}申报书", author=NAME, body="项目方案与预算说明"),
           "application/pdf")
    upload("other", f"{NAME}-活动照片.png", _png_naming(NAME), "image/png")
    upload("other", "机构介绍.pdf", pdf_with(title="介绍", body=f"本机构全称为{NAME}"), "application/pdf")
    upload("registration_certificate", f"{NAME}-登记证书.pdf", pdf_with(title=NAME, body=NAME), "application/pdf")
    project = world.advance(project, State.UNDER_REVIEW)
    return project


def _leaks(data: bytes, content_type: str, disposition: str) -> list[str]:
    found = [f"file name: {f}" for f in FORMS if f in unquote(disposition)]
    for f in FORMS:
        if f.encode("utf-8") in data or f.encode("utf-16-be") in data:
            found.append(f"bytes: {f}")
    if content_type.startswith("application/pdf"):
        reader = PdfReader(io.BytesIO(data))
        meta = " ".join(str(v) for v in (reader.metadata or {}).values())
        text = "".join(page.extract_text() or "" for page in reader.pages)
        found += [f"pdf: {f}" for f in FORMS if f in meta or f in text]
    if content_type.startswith("image/"):
        with Image.open(io.BytesIO(data)) as img:
            info = " ".join(str(v) for v in img.info.values())
        found += [f"image: {f}" for f in FORMS if f in info]
    return found


def _walk(client, starts: list[str], skip: set[str]) -> dict[str, tuple[str, bytes, str]]:
    """Every same-site page reachable by GET from the start pages (logout and static files left out)."""
    seen: dict[str, tuple[str, bytes, str]] = {}
    queue = list(starts)
    while queue and len(seen) < 300:
        url = queue.pop(0)
        if url in seen or url in skip:
            continue
        response = client.get(url)
        if response.status_code != 200:
            seen[url] = ("", b"", "")
            continue
        data = b"".join(response.streaming_content) if response.streaming else response.content
        kind = response.get("Content-Type", "")
        seen[url] = (kind, data, response.get("Content-Disposition", ""))
        if kind.startswith("text/html"):
            for link in LINK.findall(data.decode()):
                path = urlsplit(unescape(link)).path
                if path.startswith("/") and not path.startswith(("/static/", "/logout", "/media/")):
                    queue.append(path)
    return seen


def test_no_page_or_file_an_expert_can_reach_names_the_applicant(client, world, blind_proposal):
    project = blind_proposal
    expert = world.expert
    client.force_login(expert.user)
    conflicts_url = reverse("reviewers:round_conflicts", args=[world.round.pk])
    # The declaration list is the one page that names applicants, on purpose.
    assert NAME in client.get(conflicts_url).content.decode()
    steering.declare_round_conflicts(actor=expert.user, round_id=world.round.pk, organization_ids=[])
    assignment = services.assign_expert(actor=world.officer, project=project, expert=expert)

    def check(stage: str):
        pages = _walk(client, ["/", reverse("reviewers:my_reviews")], skip={conflicts_url})
        review_url = reverse("reviewers:review", args=[assignment.pk])
        assert review_url in pages, stage
        leaks = {url: _leaks(data, kind, disposition) for url, (kind, data, disposition) in pages.items()}
        assert {url: found for url, found in leaks.items() if found} == {}, stage
        return pages

    check("before the declaration")  # the per-proposal declaration page
    client.post(reverse("reviewers:review", args=[assignment.pk]), {"has_conflict": "no", "note": ""})
    pages = check("reading")
    review_page = pages[reverse("reviewers:review", args=[assignment.pk])][1].decode()
    assert "＊＊机构成立于2015年" in review_page and "＊＊机构团队" in review_page
    assert "五马街道" not in review_page  # the service street is left out in a blind round
    assert 'data-testid="files-withheld"' in review_page  # the file whose text names the applicant
    files = {url: value for url, value in pages.items() if "/files/" in url}
    assert len(files) == 2  # the proposal PDF and the photo; the certificate and the naming PDF are not offered
    names = sorted(unquote(d).split("''")[-1] for _, _, d in files.values())
    assert names == ["附件1-申报材料.pdf", "附件2-申报材料.png"]
    pdf = next(data for kind, data, _ in files.values() if kind == "application/pdf")
    assert PdfReader(io.BytesIO(pdf)).metadata in (None, {})
    assert "项目方案与预算说明" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()  # still the same document

    services.submit_review(actor=expert.user, assignment_id=assignment.pk, scores=scores_for("80"), comment="方案可行")
    check("after submitting")
