"""One round with something of every kind, owned by organization A, built through the services.

The authorization matrix requests every URL with ids taken from here and logs in as each role.
Organization B's member and the expert who is not on A's panel are the "someone else" who must be
refused; the markers below must never appear on a page such a person is allowed to open.
"""
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Role
from projects import services
from projects.models import Attachment
from projects.states import State
from reviewers import defense as review_defense
from reviewers import services as review
from tests.builders import PDF, World
from tests.factories import ExpertFactory, UserFactory

# Only organization A, officers and admins may ever read these.
DRAFT_MARKER = "SECRETDRAFT甲"
# ... and, in addition, the expert reviewing the proposal.
REVIEW_MARKER = "REVIEWSECRET甲"

ROLES = ("anonymous", "member_a", "member_b", "officer", "expert_assigned", "expert_other", "finance", "evaluator",
         "admin")


@dataclass
class Scene:
    world: World
    users: dict
    draft: object  # draft of A, with its application files
    review: object  # A's proposal under review; expert_assigned has declared no conflict
    resubmitted: object  # returned once and submitted again: two versions to compare
    publicity: object  # approved, in 公示: agreement pages
    contracted: object  # signed; its first tranche sits in a finance batch
    running: object  # in progress, with a report, a receipt, a pending budget adjustment
    midterm: object  # in mid-term evaluation
    completed: object  # final evaluation done: evaluation report
    terminated: object  # terminated with a claw-back
    assignment: object  # expert_assigned's task on `review`
    draft_file: Attachment
    review_file: Attachment
    receipt: Attachment
    adjustment: object
    batch: object
    tranche: object
    clawback: object
    job: object  # officer's finished agreement batch
    other_draft: object  # organization B's own draft


SCORES = {"need": "17", "design": "21.5", "team": "12", "budget": "16", "impact": "17"}


class Builder:
    """Drafts and advances organization A's projects; with `text`, every free-text field an
    applicant or an expert fills carries it (the XSS test passes a script payload)."""

    def __init__(self, world: World, text: str):
        self.world, self.text = world, text

    def t(self, value: str) -> str:
        return value + self.text

    def draft(self, title: str, org=None, member=None, **fields):
        world, member = self.world, member or self.world.member
        project = world.draft(org, member, title=self.t(title))
        if self.text:
            fields = {"need_analysis": "需求", "target_group": "老人", "activity_plan": "计划", "team": "团队",
                      "service_street": "街道", "summary": "摘要", **fields}
            self._free_text(project, member)
        if fields:
            services.update_project(actor=member, project_id=project.pk,
                                    **{k: self.t(v) for k, v in fields.items()})
        return project

    def _free_text(self, project, member) -> None:
        lines = [{"category": b.category, "item": self.t(b.item), "unit_price": str(b.unit_price),
                  "quantity": str(b.quantity), "source": b.source, "explanation": self.t("说明")}
                 for b in project.budget_lines.all()]
        services.replace_budget(actor=member, project_id=project.pk, lines=lines)
        services.replace_milestones(actor=member, project_id=project.pk, milestones=[
            {"title": self.t(m.title), "due_date": m.due_date, "deliverable": self.t(m.deliverable)}
            for m in project.milestones.all()])
        services.replace_indicators(actor=member, project_id=project.pk, indicators=[
            {"name": self.t(i.name), "unit": i.unit, "target": str(i.target)} for i in project.indicators.all()])

    def advance(self, title: str, state: str, **fields):
        return self.world.advance(self.draft(title, **fields), state)

    def reviewed(self, title: str, state: str):
        """Scored by the World's expert with comments, then advanced to `state`."""
        project = self.advance(title, State.UNDER_REVIEW)
        assignment = review_assign(self.world, project, self.world.expert)
        review.submit_review(actor=self.world.expert.user, assignment_id=assignment.pk, scores=SCORES,
                             comment=self.t("评审意见"), criterion_comments={"need": self.t("需求分析意见")})
        return self.world.advance(project, state)


def build_scene(text: str = "") -> Scene:
    from documents import services as documents
    from finance import services as finance
    from finance.models import TrancheState
    from projects.services.agreements import start_agreement_batch

    world = World(pot=Decimal("50000000.00"), max_applications_per_org=20)
    build = Builder(world, text)
    if text:
        name = build.t("温州市甲社会工作服务中心")
        world.org, world.member = world.new_org(name=name, bank_account_name=name, address=build.t("五马街"))
    org_b, member_b = world.new_org()
    admin = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    expert_other = ExpertFactory()

    draft = build.draft(f"草稿{DRAFT_MARKER}", summary=f"草稿摘要{DRAFT_MARKER}")
    other_draft = world.draft(org_b, member_b, title="乙机构的草稿")

    review_project = build.advance("评审中的项目", State.UNDER_REVIEW, summary=f"评审摘要{REVIEW_MARKER}")
    assignment = review_assign(world, review_project, world.expert)
    review.save_draft(actor=world.expert.user, assignment_id=assignment.pk, scores={"need": "15"},
                      comment=build.t("草稿意见"), criterion_comments={"need": build.t("需求意见")})
    other_review = world.advance(world.draft(org_b, member_b, title="乙机构评审中"), State.UNDER_REVIEW)
    review_assign(world, other_review, expert_other)
    # the assigned expert also sits on the round's oral defense panel (reviewers.defense)
    review_defense.add_panel_member(actor=world.officer, round_id=world.round.pk, expert_id=world.expert.pk)

    resubmitted = build.advance("退回后重新提交", State.SUBMITTED)
    services.return_for_revision(actor=world.officer, project_id=resubmitted.pk, comment="请补充团队介绍")
    services.update_project(actor=world.member, project_id=resubmitted.pk, team=build.t("社工4名，志愿者30名"))
    services.submit_project(actor=world.member, project_id=resubmitted.pk)

    publicity = build.reviewed("公示中的项目", State.PUBLICITY)
    contracted = build.advance("已签约的项目", State.CONTRACTED)
    running = build.advance("实施中的项目", State.IN_PROGRESS)
    midterm = build.advance("中期评估中的项目", State.MIDTERM_REVIEW)
    completed = build.advance("已结项的项目", State.COMPLETED)
    terminated = build.advance("被终止的项目", State.IN_PROGRESS)
    services.terminate_project(actor=world.officer, project_id=terminated.pk, reason="未按协议实施",
                               clawback_amount="1000.00")

    services.submit_report(actor=world.member, project_id=running.pk, kind="progress", narrative=build.t("进展顺利"),
                           expenditures=[{"category": "activity", "item": build.t("物资"), "amount": "100.00",
                                          "source": "grant"}])
    receipt = services.add_attachment(actor=world.member, project_id=running.pk, kind="receipt",
                                      uploaded_file=SimpleUploadedFile("发票.pdf", PDF))
    lines = [{"category": b.category, "item": b.item, "unit_price": str(b.unit_price), "quantity": str(b.quantity),
              "source": b.source, "explanation": build.t("调整")} for b in running.budget_lines.all()]
    adjustment = services.request_budget_adjustment(actor=world.member, project_id=running.pk, lines=lines,
                                                    reason=build.t("物价上涨"))

    tranche = contracted.tranches.get(state=TrancheState.RELEASABLE)
    batch = finance.create_batch(actor=world.finance, round_id=world.round.pk, tranche_ids=[tranche.pk])

    job = start_agreement_batch(actor=world.officer, round_id=world.round.pk)
    _finish_job(documents, job)

    users = {
        "anonymous": None, "member_a": world.member, "member_b": member_b, "officer": world.officer,
        "expert_assigned": world.expert.user, "expert_other": expert_other.user, "finance": world.finance,
        "evaluator": world.evaluator, "admin": admin,
    }
    return Scene(
        world=world, users=users, draft=draft, review=review_project, resubmitted=resubmitted, publicity=publicity,
        contracted=contracted, running=running, midterm=midterm, completed=completed, terminated=terminated,
        assignment=assignment, draft_file=draft.attachments.first(), review_file=review_project.attachments.first(),
        receipt=receipt, adjustment=adjustment, batch=batch, tranche=tranche,
        clawback=_clawback(terminated),
        job=job, other_draft=other_draft,
    )


def review_assign(world, project, expert):
    assignment = review.assign_expert(actor=world.officer, project=project, expert=expert)
    review.declare(actor=expert.user, assignment_id=assignment.pk, has_conflict=False)
    assignment.refresh_from_db()
    return assignment


def _clawback(project):
    from finance.models import Clawback

    return Clawback.objects.get(project=project)


def _finish_job(documents, job) -> None:
    """Claims and completes the job with a small file: the pages only care that it is done."""
    from documents.runs import job_dir

    claim = documents.claim_job(job_id=job.pk)
    job_dir(job.pk).mkdir(parents=True, exist_ok=True)
    produced = Path(tempfile.mkdtemp(dir=job_dir(job.pk))) / "agreements.zip"
    produced.write_bytes(b"PK\x05\x06" + b"\x00" * 18)  # an empty zip archive
    documents.complete_job(job_id=job.pk, attempt=claim.attempt, produced=produced, name="协议书.zip")
    job.refresh_from_db()
