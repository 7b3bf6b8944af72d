"""Deadline day: one autosave is cheap. The query count does not grow with the rows of the section
(no query per budget line), the answer is built from the saved row (the project is not fetched again),
and the URL-encoded body autosave.js sends is read like the multipart one a keepalive save sends."""
import json
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

AUTOSAVE = {"HTTP_X_AUTOSAVE": "1"}


def _budget(n: int, note: str = "") -> dict:
    return {"b_category": ["activity"] * n, "b_item": [f"活动物资{i}" for i in range(n)],
            "b_unit_price": ["100.00"] * n, "b_quantity": ["2"] * n, "b_source": ["grant"] * n,
            "b_explanation": [note] * n}


def _save(c, url, data, *, encoded=False):
    if encoded:
        pairs = [(k, v) for k, values in data.items() for v in (values if isinstance(values, list) else [values])]
        return c.post(url, urlencode(pairs), content_type="application/x-www-form-urlencoded;charset=UTF-8", **AUTOSAVE)
    return c.post(url, data, **AUTOSAVE)


def _queries(c, url, data) -> tuple[int, list[str], dict]:
    with CaptureQueriesContext(connection) as captured:
        response = _save(c, url, data)
    assert response.status_code == 200, response.content
    return len(captured), [q["sql"] for q in captured.captured_queries], response.json()


def test_budget_autosave_queries_do_not_grow_with_the_lines(world, client_for):
    """Editing cells (the usual autosave) writes the changed lines in place, one UPDATE whatever their
    number; adding or removing lines replaces them, also in a fixed number of queries."""
    project = world.draft()
    c = client_for(world.member)
    url = reverse("applicant:section", args=[project.pk, "budget"])
    answer = _save(c, url, _budget(2)).json()

    def then(data) -> tuple[int, list[str], dict]:
        return _queries(c, url, {**data, "_version": str(answer["version"]), "_base": json.dumps(answer["base"])})

    few, _sql, answer = then(_budget(2, "a"))
    grow, _sql, answer = then(_budget(40))
    many, sql, answer = then(_budget(40, "b"))
    assert answer["saved"] and answer["complete"] and len(answer["base"]) == 40 * 6
    assert many == few, "\n".join(sql)
    edits = [q for q in sql if q.startswith(("UPDATE", "INSERT", "DELETE"))]
    assert len(edits) == 2 and 'UPDATE "projects_budgetline"' in edits[0], edits  # the lines, then the project
    project_reads = [q for q in sql if q.startswith("SELECT") and 'FROM "projects_project"' in q]
    assert len(project_reads) == 2, project_reads  # the member check and the locked row, nothing after the save
    caps = [q for q in sql if 'FROM "grants_budgetcap"' in q]
    assert len(caps) == 1, caps
    grow_more, sql, answer = then(_budget(80))
    assert grow_more == grow, "\n".join(sql)
    assert len(answer["base"]) == 80 * 6
    project.refresh_from_db()
    assert [line.position for line in project.budget_lines.all()] == list(range(1, 81))


def test_an_unchanged_part_is_not_written_again(world, client_for):
    """A save writes what differs from what is stored: the plan's text edited, its milestones left as they
    are (no DELETE and INSERT of the same rows); a save that changes nothing writes nothing."""
    project = world.draft()
    c = client_for(world.member)
    url = reverse("applicant:section", args=[project.pk, "plan"])
    milestones = {"m_title": ["启动", "结项"], "m_due_date": ["2027-03-01", "2027-12-01"], "m_deliverable": ["方案", "报告"]}
    first = _save(c, url, {"activity_plan": "计划一", **milestones, "_version": str(project.edit_version)}).json()
    count, sql, second = _queries(c, url, {"activity_plan": "计划二", **milestones, "_version": str(first["version"]),
                                          "_base": json.dumps(first["base"])})
    assert second["saved"] and second["version"] == first["version"] + 1
    assert not [q for q in sql if 'projects_milestone"' in q and q.startswith(("DELETE", "INSERT"))], sql
    count, sql, third = _queries(c, url, {"activity_plan": "计划二", **milestones, "_version": str(second["version"]),
                                         "_base": json.dumps(second["base"])})
    assert third["saved"] and third["complete"] and third["version"] == second["version"]
    assert not [q for q in sql if q.startswith(("UPDATE", "INSERT", "DELETE")) and "django_session" not in q], sql
    project.refresh_from_db()
    assert project.activity_plan == "计划二" and [m.title for m in project.milestones.all()] == ["启动", "结项"]


def test_text_autosave_stays_small(world, client_for):
    project = world.draft()
    c = client_for(world.member)
    url = reverse("applicant:section", args=[project.pk, "need"])
    count, sql, answer = _queries(c, url, {"need_analysis": "新的需求分析", "target_group": "老人",
                                           "beneficiaries": "120", "_version": str(project.edit_version)})
    assert answer["saved"] and answer["complete"]
    assert count <= 9, "\n".join(sql)


def test_url_encoded_and_multipart_saves_answer_alike(world, client_for):
    project = world.draft()
    c = client_for(world.member)
    url = reverse("applicant:section", args=[project.pk, "budget"])
    first = _save(c, url, {**_budget(3, "说明"), "_version": str(project.edit_version)}, encoded=True).json()
    assert first["saved"] and first["complete"]
    second = _save(c, url, {**_budget(3, "说明"), "_version": str(first["version"]),
                            "_base": json.dumps(first["base"])}).json()
    assert second["base"] == first["base"] and second["rules"] == first["rules"]
    project.refresh_from_db()
    assert [line.explanation for line in project.budget_lines.all()] == ["说明"] * 3


def test_a_stale_url_encoded_save_is_still_checked_against_its_version(world, client_for):
    """The version check is untouched: a save from a page that started before another tab's save, changing
    the same part, is a conflict and writes nothing."""
    project = world.draft()
    c = client_for(world.member)
    url = reverse("applicant:section", args=[project.pk, "need"])
    start = project.edit_version
    base = json.dumps([["need_analysis", project.need_analysis], ["target_group", project.target_group],
                       ["beneficiaries", str(project.beneficiaries or "")]])
    other = _save(c, url, {"need_analysis": "另一个标签页", "target_group": project.target_group,
                           "beneficiaries": str(project.beneficiaries or ""), "_version": str(start), "_base": base},
                  encoded=True)
    assert other.json()["saved"]
    stale = _save(c, url, {"need_analysis": "这个标签页", "target_group": project.target_group,
                           "beneficiaries": str(project.beneficiaries or ""), "_version": str(start), "_base": base},
                  encoded=True)
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    project.refresh_from_db()
    assert project.need_analysis == "另一个标签页"


def test_a_text_autosave_reads_the_project_without_its_round_organization_or_creator(world, client_for):
    """The sections whose save needs nothing but the project read its columns alone: `related=()` once
    meant select_related() with no names, which follows every foreign key (round, organization and
    creator: 99 columns instead of 33 on each of those autosaves)."""
    project = world.draft()
    c = client_for(world.member)
    url = reverse("applicant:section", args=[project.pk, "need"])
    count, sql, answer = _queries(c, url, {"need_analysis": "新的需求分析", "target_group": "老人",
                                           "beneficiaries": "120", "_version": str(project.edit_version)})
    assert answer["saved"] and answer["complete"]
    project_reads = [q for q in sql if q.startswith("SELECT") and 'FROM "projects_project"' in q]
    assert len(project_reads) == 2, project_reads  # the member check and the locked row
    for q in project_reads:
        columns = q[:q.index(" FROM ")]
        assert '"grants_grantround".' not in columns and '"grants_organization".' not in columns, q
        assert '"accounts_user".' not in columns, q


def test_one_edited_budget_cell_is_one_plain_update_and_the_answer_is_what_is_stored(world, client_for):
    """A cell edited in one line (the usual autosave) is an UPDATE of that cell only (no CASE WHEN over every
    column); the lines are not read again after the save, and the answer's base is what a fresh read shows
    (decimals as the columns give them back: 2 → 2.00)."""
    from projects import drafting
    from projects.models import Project
    from projects.sections import BY_CODE

    project = world.draft()
    c = client_for(world.member)
    url = reverse("applicant:section", args=[project.pk, "budget"])
    first = _save(c, url, {**_budget(3, "说明"), "_version": str(project.edit_version)}).json()
    data = _budget(3, "说明")
    data["b_explanation"][1] = "改过的说明"
    data["b_quantity"][2] = "3"
    data["b_unit_price"][2] = "120"
    count, sql, answer = _queries(c, url, {**data, "_version": str(first["version"]), "_base": json.dumps(first["base"])})
    assert answer["saved"] and answer["complete"] and answer["version"] == first["version"] + 1
    edits = [q for q in sql if q.startswith("UPDATE") and "projects_budgetline" in q]
    assert len(edits) == 1 and "CASE" in edits[0], edits  # two lines changed: one bulk UPDATE
    assert '"item"' not in edits[0] and '"category"' not in edits[0], edits  # only the columns that differ
    after = sql.index(edits[0])
    assert not [q for q in sql[after:] if q.startswith("SELECT") and 'FROM "projects_budgetline"' in q], sql[after:]
    stored = Project.objects.get(pk=project.pk)
    assert answer["base"] == drafting.entries(BY_CODE["budget"], stored)
    assert [(str(line.quantity), str(line.amount)) for line in stored.budget_lines.all()][2] == ("3.00", "360.00")

    data["b_explanation"][0] = "只改这一格"
    count, sql, third = _queries(c, url, {**data, "_version": str(answer["version"]), "_base": json.dumps(answer["base"])})
    edits = [q for q in sql if q.startswith("UPDATE") and "projects_budgetline" in q]
    assert len(edits) == 1 and "CASE" not in edits[0] and '"explanation"' in edits[0], edits
    assert '"unit_price"' not in edits[0], edits
    assert third["base"] == drafting.entries(BY_CODE["budget"], Project.objects.get(pk=project.pk))
    assert third["rules"] == answer["rules"]


SECTION_EDITS = {
    "basic": {"title": "新名称", "summary": "新的摘要"},
    "need": {"need_analysis": "新的需求分析", "beneficiaries": "30"},
    "area": {"service_street": "某街道"},
    "plan": {"activity_plan": "新的计划", "m_title": ["启动"], "m_due_date": ["2027-03-01"], "m_deliverable": ["方案"]},
    "team": {"team": "社工两名"},
    "indicators": {"i_name": ["服务人次"], "i_unit": ["人次"], "i_target": ["120"]},
    "budget": _budget(2, "说明"),
}


@pytest.mark.parametrize("section", sorted(SECTION_EDITS))
def test_every_section_saves_with_two_reads_of_the_project(world, client_for, section):
    """The member check and the service's locked row read only the columns a save uses: no column is
    loaded later, one query each (a deferred field read after the save would show here)."""
    project = world.draft()
    c = client_for(world.member)
    url = reverse("applicant:section", args=[project.pk, section])
    count, sql, answer = _queries(c, url, {**SECTION_EDITS[section], "_version": str(project.edit_version)})
    assert answer["saved"] and answer["complete"] and answer["version"] == project.edit_version + 1, answer
    project_reads = [q for q in sql if q.startswith("SELECT") and 'FROM "projects_project"' in q]
    assert len(project_reads) == 2, project_reads
    assert [q for q in sql if q.startswith("UPDATE") and 'projects_project"' in q]
    assert not [q for q in sql if 'FROM "grants_grantround"' in q], sql  # read with the project where needed
