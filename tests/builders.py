"""Builds projects in any lifecycle state by calling the real services, as the apps would."""
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Role
from finance import services as finance
from finance.models import Tranche as TrancheModel
from finance.models import TrancheState
from grants.models import GrantRound
from projects import services
from projects.models import Project
from projects.states import State
from tests.factories import ExpertFactory, OrganizationFactory, RoundFactory, UserFactory, member_of

PASSWORD = "pass-12345"  # tests.factories.UserFactory's
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def budget(grant_total="100000.00", labor="50000.00", cofund_labor="0"):
    """A budget whose grant-paid lines sum to grant_total, with the given grant-paid labor."""
    grant_total, labor = Decimal(grant_total), Decimal(labor)
    lines = [
        {"category": "labor", "item": "项目社工劳务费", "unit_price": str(labor), "quantity": "1", "source": "grant"},
        {"category": "activity", "item": "社区活动物资", "unit_price": str(grant_total - labor), "quantity": "1",
         "source": "grant"},
    ]
    if Decimal(cofund_labor) > 0:
        lines.append({"category": "labor", "item": "志愿者补贴", "unit_price": cofund_labor, "quantity": "1",
                      "source": "cofund"})
    return [line for line in lines if Decimal(line["unit_price"]) > 0]


class World:
    """A round with one officer, one finance officer, one evaluator, one expert and an organization."""

    def __init__(self, **round_kwargs):
        self.round = RoundFactory(**round_kwargs)
        self.officer = UserFactory(role=Role.OFFICER)
        self.finance = UserFactory(role=Role.FINANCE)
        self.evaluator = UserFactory(role=Role.EVALUATOR)
        self.admin = UserFactory(role=Role.ADMIN)
        self.org = OrganizationFactory()
        self.member = member_of(self.org)
        self.expert = ExpertFactory()

    def new_org(self, **kwargs):
        org = OrganizationFactory(**kwargs)
        return org, member_of(org)

    def draft(self, org=None, member=None, *, grant_total="100000.00", labor="50000.00", **fields) -> Project:
        org = org or self.org
        member = member or self.member
        project = services.create_project(
            actor=member, round=self.round, organization=org, title=fields.pop("title", "长者互助食堂"),
            domain="elderly", summary="为社区高龄独居老人提供助餐与探访服务", need_analysis="辖区独居老人320人，助餐需求强烈",
            target_group="80岁以上独居老人", beneficiaries=200, activity_plan="每周五天助餐，每月两次探访",
            team="社工3名，志愿者20名", service_district="鹿城区", service_street="五马街道", **fields,
        )
        services.replace_budget(actor=member, project_id=project.pk, lines=budget(grant_total, labor))
        today = timezone.localdate()
        services.replace_milestones(actor=member, project_id=project.pk, milestones=[
            {"title": "启动", "due_date": today + timedelta(days=30), "deliverable": "启动会"},
            {"title": "中期", "due_date": today + timedelta(days=180), "deliverable": "中期报告"},
        ])
        services.replace_indicators(actor=member, project_id=project.pk, indicators=[
            {"name": "服务人次", "unit": "人次", "target": "2000"},
        ])
        for kind in self.round.required_attachments:
            services.add_attachment(
                actor=member, project_id=project.pk, kind=kind,
                uploaded_file=SimpleUploadedFile(f"{kind}.pdf", PDF, content_type="application/pdf"),
            )
        return Project.objects.get(pk=project.pk)

    def advance(self, project: Project, target: str, *, approved_amount=None) -> Project:
        """Walks the happy path from the project's current state up to `target`."""
        path = [
            State.SUBMITTED, State.UNDER_REVIEW, State.REVIEWED, State.APPROVED, State.PUBLICITY,
            State.CONTRACTED, State.IN_PROGRESS, State.MIDTERM_REVIEW, State.FINAL_REVIEW, State.COMPLETED,
        ]
        pid = project.pk
        while True:
            project = Project.objects.get(pk=pid)
            if project.state == target:
                return project
            # each step takes the project it acts on (the one just re-read above)
            step = {
                State.DRAFT: lambda project: services.submit_project(actor=self.member_for(project), project_id=pid),
                State.RETURNED: lambda project: services.submit_project(actor=self.member_for(project), project_id=pid),
                State.SUBMITTED: lambda project: services.accept_for_review(actor=self.officer, project_id=pid),
                State.UNDER_REVIEW: lambda project: self._review(project),
                State.REVIEWED: lambda project: services.approve_project(
                    actor=self.officer, project_id=pid, approved_amount=approved_amount or project.requested_amount,
                    comment="按评审意见核定"),
                State.APPROVED: lambda project: services.publish_project(
                    actor=self.officer, project_id=pid, now=timezone.now() - timedelta(days=30)),
                State.PUBLICITY: lambda project: services.sign_agreement(
                    actor=self.member_for(project), project_id=pid, signer_name="李四"),
                State.CONTRACTED: lambda project: self._pay_first(project),
                State.IN_PROGRESS: lambda project: (
                    self._begin_final(project) if project.midterm_passed
                    else services.begin_midterm(actor=self.officer, project_id=pid)),
                State.MIDTERM_REVIEW: lambda project: services.record_evaluation(
                    actor=self.evaluator, project_id=pid, kind="midterm",
                    scores={"implementation": 25, "inputs": 15, "finance": 20, "outcomes": 20}),
                State.FINAL_REVIEW: lambda project: services.record_evaluation(
                    actor=self.evaluator, project_id=pid, kind="final",
                    scores={"indicators": 28, "execution": 18, "compliance": 18, "satisfaction": 18, "branding": 9}),
            }.get(project.state)
            if step is None or project.state not in [State.DRAFT, State.RETURNED] + path:
                raise AssertionError(f"cannot advance from {project.state} to {target}")
            step(project)

    def final_report(self, project: Project, spent: dict | None = None) -> None:
        """The final report the final evaluation needs: every budget line spent as budgeted unless
        `spent` ({budget line item: amount}) says otherwise, each row with its own receipt."""
        rows, receipts = [], []
        for line in project.budget_lines.all():
            amount = Decimal((spent or {}).get(line.item, line.amount))
            if amount <= 0:
                continue
            rows.append({"budget_line_id": line.pk, "item": line.item, "amount": str(amount)})
            receipt = PDF.replace(b"%%EOF", f"% receipt {project.pk}-{line.pk}\n%%EOF".encode())
            receipts.append((len(rows), SimpleUploadedFile(f"receipt-{line.pk}.pdf", receipt,
                                                           content_type="application/pdf")))
        services.submit_report(actor=self.member_for(project), project_id=project.pk, kind="final",
                               narrative="项目按计划完成", expenditures=rows, receipts=receipts)

    def _begin_final(self, project: Project) -> None:
        if not project.reports.filter(kind="final").exists():
            self.final_report(project)
        services.begin_final(actor=self.officer, project_id=project.pk)

    def member_for(self, project: Project):
        from grants.models import Membership

        return Membership.objects.filter(organization=project.organization).first().user

    def _review(self, project: Project) -> None:
        from reviewers import services as review

        assignment = review.assign_expert(actor=self.officer, project=project, expert=self.expert)
        review.declare(actor=self.expert.user, assignment_id=assignment.pk, has_conflict=False)
        review.submit_review(actor=self.expert.user, assignment_id=assignment.pk, scores={
            "need": "17", "design": "21.5", "team": "12", "budget": "16", "impact": "17"})

    def _pay_first(self, project: Project) -> None:
        first = project.tranches.order_by("seq").first()
        assert first.state == TrancheState.RELEASABLE
        pay_through_batch(first.pk, actor=self.finance, bank_reference="B001")


def pay_through_batch(tranche_id: int, *, actor, paid_on=None, bank_reference: str = ""):
    """Pays one releasable tranche the only way money leaves: a batch prepared, checked and approved
    by three other finance officers, then the payment recorded by `actor`."""
    preparer, checker, approver = (UserFactory(role=Role.FINANCE) for _ in range(3))
    tranche = TrancheModel.objects.select_related("project").get(pk=tranche_id)
    batch = finance.create_batch(actor=preparer, round_id=tranche.project.round_id, tranche_ids=[tranche_id])
    finance.submit_batch(actor=preparer, batch_id=batch.pk)
    finance.check_batch(actor=checker, batch_id=batch.pk)
    finance.approve_batch(actor=approver, batch_id=batch.pk, password=PASSWORD)
    return finance.record_payment(actor=actor, tranche_id=tranche_id, paid_on=paid_on or timezone.localdate(),
                                  bank_reference=bank_reference)


def build_open_data() -> None:
    """What the open-data job does after a change is committed (projects.open_data_files): in a test's
    transaction no commit happens, so the test runs it where the job would have."""
    from projects import open_data_files
    for round_id in open_data_files.rounds_to_build():
        open_data_files.build(round_id)
    for round_id in GrantRound.objects.values_list("pk", flat=True):  # rounds with nothing public yet too
        open_data_files.build(round_id)
