"""The public pages and the open-data downloads show only the allowed fields: no bank account, no
phone number, no credit code, no expert review or evaluation comment, and a grade only once completed."""
import csv
import io
import json

import pytest
from django.urls import reverse

from projects.open_data import FIELDS
from projects.states import State
from reviewers import services as review
from tests.builders import build_open_data
from tests.monitoring.conftest import FINAL_EXCELLENT, evaluate

pytestmark = pytest.mark.django_db

EXPERT_COMMENT = "专家私下评语：团队经验不足ZXQ"
EVALUATION_COMMENT = "评估内部意见：台账不全WVU"


def _reviewed_with_comment(world, project):
    """Like World._review, but the expert writes a comment that must never be public."""
    assignment = review.assign_expert(actor=world.officer, project=project, expert=world.expert)
    review.declare(actor=world.expert.user, assignment_id=assignment.pk, has_conflict=False)
    review.submit_review(actor=world.expert.user, assignment_id=assignment.pk, comment=EXPERT_COMMENT, scores={
        "need": "17", "design": "21.5", "team": "12", "budget": "16", "impact": "17"})


@pytest.fixture
def published(world):
    completed = world.advance(world.draft(title="长者互助食堂"), State.UNDER_REVIEW)
    _reviewed_with_comment(world, completed)
    completed = world.advance(completed, State.FINAL_REVIEW)
    evaluate(world, completed, "final", FINAL_EXCELLENT, comment=EVALUATION_COMMENT)
    org, member = world.new_org(contact_phone="13912345678")
    member.phone = "13700001111"
    member.save()
    running = world.advance(world.draft(org, member, title="青少年成长营"), State.FINAL_REVIEW)
    org3, member3 = world.new_org()
    notice = world.advance(world.draft(org3, member3, title="助残康复站"), State.PUBLICITY)
    org4, member4 = world.new_org()
    draft = world.draft(org4, member4, title="尚未提交的草稿项目")
    return {"completed": completed, "running": running, "notice": notice, "draft": draft, "orgs": [world.org, org, org3]}


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _responses(client, world):
    client.logout()
    build_open_data()
    urls = [reverse("public:index"), reverse("public:round", args=[world.round.pk]),
            reverse("public:open_data", args=["csv"]), reverse("public:open_data", args=["json"]),
            reverse("public:open_data", args=["csv"]) + f"?round={world.round.pk}"]
    out = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        out[url] = _body(response).decode("utf-8-sig")
    return out


def test_nothing_private_is_public(client, world, published):
    secrets = [EXPERT_COMMENT, EVALUATION_COMMENT, "13912345678", "13700001111", "13800000000"]
    for org in published["orgs"]:
        org.refresh_from_db()
        secrets += [org.bank_account_no, org.credit_code, org.bank_code, org.contact_name]
    for url, body in _responses(client, world).items():
        for secret in secrets:
            assert secret not in body, (url, secret)
        assert "95.00" not in body, url  # the evaluation score is not public, only the grade
        assert "尚未提交的草稿项目" not in body


def test_funded_projects_show_organization_domain_amount_status_and_grade_after_completion(client, world, published):
    client.logout()
    build_open_data()
    rows = json.loads(_body(client.get(reverse("public:open_data", args=["json"]))))
    assert rows["fields"] == FIELDS
    by_title = {r["title"]: r for r in rows["projects"]}
    assert set(by_title) == {"长者互助食堂", "青少年成长营", "助残康复站"}
    for row in rows["projects"]:
        assert list(row) == FIELDS
    done = by_title["长者互助食堂"]
    assert done["organization"] == world.org.name and done["approved_amount"] == "100000.00"
    assert done["grade"] == "优秀" and done["domain"] == "elderly" and done["state"] == "completed"
    assert by_title["青少年成长营"]["grade"] == ""  # still being evaluated
    assert by_title["助残康复站"]["publicity_end"]

    table = list(csv.DictReader(io.StringIO(
        _body(client.get(reverse("public:open_data", args=["csv"]))).decode("utf-8-sig"))))
    assert [list(r) for r in table] == [FIELDS] * 3
    assert {r["title"]: r["grade"] for r in table}["长者互助食堂"] == "优秀"

    page = client.get(reverse("public:round", args=[world.round.pk])).content.decode()
    row = page.split(f'data-code="{published["completed"].code}"')[1].split("</tr>")[0]
    assert "优秀" in row and world.org.name in row
    notices = page.split('data-testid="notices"')[1].split("</table>")[0]
    assert "助残康复站" in notices and "长者互助食堂" not in notices


def test_open_data_formats_and_round_filter(client, world, published):
    assert client.get(reverse("public:open_data", args=["xml"])).status_code == 404
    assert client.get(reverse("public:open_data", args=["csv"]) + "?round=abc").status_code == 404
    other = json.loads(client.get(reverse("public:open_data", args=["json"]) + "?round=999999").content)
    assert other["projects"] == []
    assert client.get(reverse("public:round", args=[999999])).status_code == 404
