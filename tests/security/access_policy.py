"""Who may open each URL of the site: the policy the authorization matrix enforces.

Every URL pattern name maps to PUBLIC, or to one or more Cases: path parameters filled from the
scene (tests/security/scene.py; every object there belongs to organization A), and the roles that
may open that object. Everyone else must get 404, 403 or a redirect to the login page, for GET and
for POST alike. Django admin URLs other than its login and logout are not listed: the matrix checks
all of them the same way (only is_staff users get in).

A new URL pattern fails the matrix until it is added here.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Role
from finance import services as finance
from finance.models import BankDetailChange, Batch, BatchState, Tranche, TrancheState
from grants import organization_services
from grants.models import District, QuestionAnswer, RoundQuestion
from grants.organization_changes import OrganizationChangeRequest
from projects import services as project_services
from projects.states import State
from reviewers import objection_services
from reviewers.objections import Objection
from tests.builders import PASSWORD, PDF
from tests.factories import UserFactory
from tests.security.scene import ROLES, Scene

PUBLIC = "public"  # anyone, logged in or not; the matrix still asserts no 500 and no leak

EVERYONE_SIGNED_IN = frozenset(ROLES) - {"anonymous"}  # pages that list only the visitor's own things
OWNER = frozenset({"member_a"})
MEMBERS = frozenset({"member_a", "member_b"})  # each sees their own organization
OFFICERS = frozenset({"officer", "admin"})
FINANCE = frozenset({"finance", "admin"})
EVALUATING = frozenset({"officer", "evaluator", "admin"})
STAFF_LISTS = frozenset({"officer", "finance", "evaluator", "admin"})
# A project in implementation: money and evaluation staff see it too.
RUNNING_VIEWERS = frozenset({"member_a", "officer", "finance", "evaluator", "admin"})


@dataclass(frozen=True)
class Case:
    kwargs: Callable[[Scene], dict]
    allowed: frozenset
    # Sent when the view only answers POST; chosen so that an allowed role's request is refused by
    # the service (or harmless), and the rest of the walk still finds the scene as built.
    post: dict = field(default_factory=dict)
    post_only: bool = False  # the view answers GET with 404 rather than 405


def none(s: Scene) -> dict:
    return {}


def pk(name: str) -> Callable[[Scene], dict]:
    return lambda s: {"pk": getattr(s, name).pk}


def round_pk(s: Scene) -> dict:
    return {"pk": s.world.round.pk}


def round_id(s: Scene) -> dict:
    return {"round_id": s.world.round.pk}


def assignment_run(s: Scene) -> dict:
    """A finished automatic run of the round (its result workbook is a POST)."""
    from reviewers.models import AssignmentRun, RunState

    run, _ = AssignmentRun.objects.get_or_create(round=s.world.round, seed=1,
                                                 defaults={"requested_by": s.world.officer, "state": RunState.DONE})
    return {"pk": run.pk}


def file_cases() -> list[Case]:
    """Files go to whoever may see the project; an expert sees the proposal's files, not later receipts."""
    return [
        Case(lambda s: {"pk": s.draft.pk, "attachment_id": s.draft_file.pk}, frozenset({"member_a"}) | OFFICERS),
        # Experts read the proposal's files on their review page (reviewers:review_file), not here.
        Case(lambda s: {"pk": s.review.pk, "attachment_id": s.review_file.pk}, frozenset({"member_a"}) | OFFICERS),
        Case(lambda s: {"pk": s.running.pk, "attachment_id": s.receipt.pk}, RUNNING_VIEWERS),
    ]


def answer_file(s: Scene) -> dict:
    """A file answer to an extra question of the draft's round (made once, on first use)."""
    answer = QuestionAnswer.objects.filter(project=s.draft).exclude(file="").first()
    if answer is None:
        question = RoundQuestion.objects.create(round=s.draft.round, label="合作协议", kind="file")
        answer = QuestionAnswer(question=question, project=s.draft, file_name="协议.pdf")
        answer.file.save("协议.pdf", ContentFile(PDF), save=False)
        answer.save()
    return {"pk": s.draft.pk, "answer_id": answer.pk}


def bank_change(s: Scene) -> dict:
    """Organization A's pending request to change its account (made once, on first use)."""
    change = BankDetailChange.objects.filter(organization=s.world.org).first()
    if change is None:
        change = finance.request_bank_detail_change(
            actor=s.world.member, organization_id=s.world.org.pk, bank_account_name=s.world.org.name,
            bank_name="中国农业银行温州鹿城支行", bank_account_no="6228480000000000017", bank_code="103333000017",
            reason="原账户冻结")
    return {"pk": change.pk}


def org_change(s: Scene) -> dict:
    """Organization A's pending rating correction, with its evidence (made once, on first use)."""
    change = OrganizationChangeRequest.objects.filter(organization=s.world.org).first()
    if change is None:
        change = organization_services.request_change(
            actor=s.world.member, organization_id=s.world.org.pk, kind="rating",
            values={"rating": 4, "rating_valid_until": date(2030, 1, 1)}, reason="新一轮评估结果",
            evidence=SimpleUploadedFile("评估证书.pdf", PDF))
    return {"pk": change.pk}


def objection(s: Scene) -> dict:
    """An online objection with evidence against a project whose 公示 runs now (made once, on first use)."""
    found = Objection.objects.exclude(evidence="").first()
    if found is None:
        org, member = s.world.new_org()
        project = s.world.advance(s.world.draft(org, member, title="异议测试项目"), State.APPROVED)
        project_services.publish_project(actor=s.world.officer, project_id=project.pk)
        found = objection_services.file_objection(
            actor=None, round_id=s.world.round.pk, project_id=project.pk, name="张三", phone="13800000000",
            email="", reason="该机构去年的同类项目没有按计划开展活动。", evidence=SimpleUploadedFile("证据.pdf", PDF))
    return {"pk": found.pk}


def approved_batch(s: Scene) -> dict:
    """An approved batch (the scene's own is still being prepared): the bank file exists only for one.
    Made once, on first use, from a releasable tranche, by three finance officers of its own."""
    batch = Batch.objects.filter(state=BatchState.APPROVED, approved_count__isnull=False).first()
    if batch is None:
        tranche = Tranche.objects.filter(state=TrancheState.RELEASABLE, failure_reason="", amount__gt=0).first()
        preparer, checker, approver = (UserFactory(role=Role.FINANCE) for _ in range(3))
        batch = finance.create_batch(actor=preparer, round_id=s.world.round.pk, tranche_ids=[tranche.pk])
        finance.submit_batch(actor=preparer, batch_id=batch.pk)
        finance.check_batch(actor=checker, batch_id=batch.pk)
        finance.approve_batch(actor=approver, batch_id=batch.pk, password=PASSWORD)
    return {"pk": batch.pk}


POLICY: dict[str, object] = {
    # accounts
    "home": PUBLIC,
    "login": PUBLIC,
    "logout": PUBLIC,
    "password_reset": PUBLIC,
    "password_reset_done": PUBLIC,
    "password_reset_confirm": PUBLIC,
    "password_reset_complete": PUBLIC,
    "set_language": PUBLIC,
    "healthz": PUBLIC,
    "readyz": PUBLIC,
    "admin:login": PUBLIC,
    "admin:logout": PUBLIC,
    "notifications": [Case(none, EVERYONE_SIGNED_IN)],
    "notifications_read": [Case(none, EVERYONE_SIGNED_IN)],
    "notification_preferences": [Case(none, EVERYONE_SIGNED_IN)],
    # one's own password and second factor (every role); the audit export is the administrator's
    "password_change": [Case(none, EVERYONE_SIGNED_IN)],
    "two_factor_enrol": [Case(none, EVERYONE_SIGNED_IN)],
    "two_factor_verify": [Case(none, EVERYONE_SIGNED_IN)],
    "two_factor_recovery_codes": [Case(none, EVERYONE_SIGNED_IN)],
    "audit_export": [Case(none, frozenset({"admin"}))],
    # the public
    "public:index": PUBLIC,
    "public:round": PUBLIC,
    "public:open_data": PUBLIC,
    "reviewers:publicity": PUBLIC,
    "reviewers:publicity_xlsx": PUBLIC,
    "reviewers:publicity_pdf": PUBLIC,
    "applicant:register": PUBLIC,
    "public:project": PUBLIC,
    "reviewers:objection": PUBLIC,
    # the organization record: officers verify registrations and decide corrections; the evidence is
    # the officers' and the requesting organization's
    "organizations:review": [Case(none, OFFICERS)],
    "organizations:verify": [Case(lambda s: {"pk": s.world.org.pk}, OFFICERS, post_only=True)],
    "organizations:decide": [Case(org_change, OFFICERS, post={"decision": "reject", "comment": ""}, post_only=True)],
    "organizations:evidence": [Case(org_change, OFFICERS | frozenset({"member_a"}))],
    # online objections to a 公示: the officers' queue
    "reviewers:objections": [Case(none, OFFICERS)],
    "reviewers:objection_answer": [Case(objection, OFFICERS, post={"answer": ""}, post_only=True)],
    "reviewers:objection_evidence": [Case(objection, OFFICERS)],
    "applicant:check_credit_code": PUBLIC,
    # applicant portal: only members of the project's organization
    "applicant:dashboard": [Case(none, EVERYONE_SIGNED_IN)],
    "applicant:rounds": [Case(none, EVERYONE_SIGNED_IN)],
    "applicant:organization": [Case(none, MEMBERS)],
    # each member sees (and may ask to change) their own organization's account
    "applicant:bank_details": [Case(none, MEMBERS, post={"reason": ""})],
    "applicant:round": [Case(round_id, MEMBERS)],
    "applicant:start": [Case(round_id, OWNER, post={"title": "新项目"})],  # organization A's id is added below
    "applicant:project": [Case(pk("draft"), OWNER), Case(pk("running"), OWNER)],
    "applicant:attachments": [Case(pk("draft"), OWNER)],
    "applicant:questions": [Case(pk("draft"), OWNER)],
    "applicant:answer_file": [Case(answer_file, frozenset({"member_a"}) | OFFICERS)],
    "applicant:remove_attachment": [Case(lambda s: {"pk": s.draft.pk, "attachment_id": s.draft_file.pk}, OWNER)],
    "applicant:section": [Case(lambda s: {"pk": s.draft.pk, "section": "basic"}, OWNER),
                          Case(lambda s: {"pk": s.draft.pk, "section": "budget"}, OWNER)],
    "applicant:submit": [Case(pk("draft"), OWNER)],
    # the application as filed, its PDF and the receipt: the organization's own members only
    "applicant:application": [Case(pk("review"), OWNER)],
    "applicant:application_pdf": [Case(pk("review"), OWNER)],
    "applicant:receipt_pdf": [Case(pk("review"), OWNER)],
    "applicant:withdraw": [Case(pk("draft"), OWNER)],
    "applicant:file": file_cases(),
    "applicant:agreement": [Case(pk("publicity"), OWNER)],
    "applicant:sign": [Case(pk("publicity"), OWNER)],
    "applicant:sign_scan": [Case(pk("publicity"), OWNER)],
    "applicant:revise_budget": [Case(pk("publicity"), OWNER)],
    "applicant:reports": [Case(pk("running"), OWNER)],
    "applicant:milestone_done": [
        Case(lambda s: {"pk": s.running.pk, "milestone_id": s.running.milestones.first().pk}, OWNER,
             post_only=True)],
    "applicant:adjustment": [Case(pk("running"), OWNER)],
    # program officers (finance and evaluators see the projects of their stages)
    "projects:officer_list": [Case(none, STAFF_LISTS)],
    "holidays": [Case(none, OFFICERS)],
    # the round designer (officers only); a published call's documents are public
    "rounds:list": [Case(none, OFFICERS)],
    "rounds:create": [Case(none, OFFICERS)],
    "rounds:districts": [Case(none, OFFICERS)],
    "rounds:toggle_district": [Case(lambda s: {"district_id": District.objects.order_by("pk").first().pk}, OFFICERS,
                                    post_only=True)],
    "rounds:detail": [Case(round_pk, OFFICERS)],
    "rounds:copy": [Case(round_pk, OFFICERS)],
    "rounds:edit": [Case(lambda s: {"pk": s.world.round.pk, "section": "review"}, OFFICERS)],
    "rounds:questions": [Case(round_pk, OFFICERS)],
    "rounds:preview": [Case(round_pk, OFFICERS)],
    "rounds:publish": [Case(round_pk, OFFICERS, post_only=True)],
    "rounds:documents": [Case(round_pk, OFFICERS)],
    "rounds:remove_document": [Case(lambda s: {"pk": s.world.round.pk, "document_id": 999999}, OFFICERS,
                                    post_only=True)],
    "rounds:call_document": PUBLIC,
    # the officers' register of organizations and their credit-list entries
    "organizations:list": [Case(none, OFFICERS)],
    "organizations:detail": [Case(lambda s: {"pk": s.world.org.pk}, OFFICERS)],
    "organizations:add_credit_entry": [Case(lambda s: {"pk": s.world.org.pk}, OFFICERS, post_only=True)],
    "organizations:end_credit_entry": [Case(lambda s: {"pk": s.world.org.pk, "entry_id": 999999}, OFFICERS,
                                            post_only=True)],
    "organizations:delete_credit_entry": [Case(lambda s: {"pk": s.world.org.pk, "entry_id": 999999}, OFFICERS,
                                               post_only=True)],
    "holidays_delete": [Case(lambda s: {"pk": 999999}, OFFICERS)],
    "projects:officer_detail": [Case(pk("review"), OFFICERS), Case(pk("running"), STAFF_LISTS)],
    "projects:officer_action": [Case(lambda s: {"pk": s.review.pk, "name": "return_for_revision"}, OFFICERS)],
    # The services refuse the empty posts: no date, no finding.
    "projects:correct_publicity_end": [Case(pk("publicity"), OFFICERS)],
    "projects:government_funding_check": [Case(pk("review"), OFFICERS)],
    "projects:changes": [Case(pk("resubmitted"), OFFICERS)],
    "projects:file": file_cases(),
    "projects:officer_report": [Case(lambda s: {"report_id": s.running.reports.first().pk}, STAFF_LISTS,
                                     post={"decision": "return", "comment": ""})],
    "projects:adjustment": [Case(lambda s: {"adjustment_id": s.adjustment.pk}, STAFF_LISTS)],
    # monitoring and evaluation
    "monitoring:home": [Case(none, OFFICERS)],
    "monitoring:dashboard": [Case(round_pk, OFFICERS)],
    "monitoring:overdue": [Case(round_pk, OFFICERS)],
    "monitoring:evaluations": [Case(none, EVALUATING)],
    "monitoring:evaluate": [Case(pk("midterm"), EVALUATING)],
    "monitoring:begin": [Case(lambda s: {"pk": s.midterm.pk, "kind": "midterm"}, EVALUATING)],
    "monitoring:terminate": [Case(pk("midterm"), OFFICERS)],
    "monitoring:evaluation_report": [Case(pk("completed"), EVALUATING | OWNER)],
    # expert review
    "reviewers:my_reviews": [Case(none, EVERYONE_SIGNED_IN)],
    "reviewers:review": [Case(pk("assignment"), frozenset({"expert_assigned"}))],
    "reviewers:review_file": [Case(lambda s: {"pk": s.assignment.pk, "number": 1}, frozenset({"expert_assigned"}))],
    # The round's applicant list for conflict declarations: any expert of the pool, nobody else.
    "reviewers:round_conflicts": [Case(round_id, frozenset({"expert_assigned", "expert_other"}))],
    "reviewers:conflicts": [Case(round_pk, OFFICERS)],
    "reviewers:progress": [Case(round_pk, OFFICERS)],
    "reviewers:rounds": [Case(none, OFFICERS)],
    "reviewers:round": [Case(round_pk, OFFICERS)],
    "reviewers:run_result": [Case(assignment_run, OFFICERS, post_only=True)],
    "reviewers:panel": [Case(lambda s: {"round_id": s.world.round.pk, "pk": s.review.pk}, OFFICERS)],
    "reviewers:ranking": [Case(round_pk, OFFICERS)],
    "reviewers:review_window": [Case(round_pk, OFFICERS)],
    # Export buttons: a POST starts the job; a GET only leads back to the page with the button.
    "reviewers:ranking_xlsx": [Case(round_pk, OFFICERS, post_only=True)],
    "reviewers:round_publicity": [Case(round_pk, OFFICERS)],
    "reviewers:score_sheet": [Case(pk("publicity"), OFFICERS)],
    "reviewers:score_sheet_xlsx": [Case(pk("publicity"), OFFICERS)],
    "reviewers:score_sheet_pdf": [Case(pk("publicity"), OFFICERS)],
    "reviewers:experts": [Case(none, OFFICERS)],
    "reviewers:experts_template": [Case(none, OFFICERS)],
    "reviewers:expert": [Case(lambda s: {"pk": s.world.expert.pk}, OFFICERS)],
    # the panel's second half: an assigned expert reaches the discussion door of their own task (it
    # tells them it opens after submitting) and, seated on the round's defense panel, its scoring page
    "reviewers:discussion": [Case(pk("assignment"), frozenset({"expert_assigned"}))],
    "reviewers:defense_scoring": [Case(round_id, frozenset({"expert_assigned"}))],
    "reviewers:panel_policy": [Case(round_pk, OFFICERS)],
    "reviewers:panel_discussion": [Case(lambda s: {"round_id": s.world.round.pk, "pk": s.review.pk}, OFFICERS)],
    "reviewers:defense": [Case(round_pk, OFFICERS)],
    "reviewers:filldown": [Case(round_pk, OFFICERS)],
    "reviewers:round_summary": [Case(round_pk, OFFICERS, post={"format": "xlsx"})],
    "reviewers:round_summary_file": [Case(lambda s: {"pk": s.world.round.pk, "fmt": "xlsx"}, OFFICERS)],
    # finance
    "finance:home": [Case(none, FINANCE)],
    "finance:ledger": [Case(none, FINANCE)],
    "finance:home_xlsx": [Case(none, FINANCE, post_only=True)],
    "finance:ledger_xlsx": [Case(none, FINANCE, post_only=True)],
    "finance:clawbacks": [Case(none, FINANCE)],
    "finance:repay": [Case(pk("clawback"), FINANCE)],
    "finance:batch_list": [Case(none, FINANCE)],
    "finance:batch_new": [Case(none, FINANCE)],
    "finance:batch_detail": [Case(pk("batch"), FINANCE)],
    "finance:export_list": [Case(pk("batch"), FINANCE)],
    "finance:export_bank": [Case(approved_batch, FINANCE)],
    "finance:approval_pdf": [Case(pk("batch"), FINANCE)],
    "finance:batch_results": [Case(pk("batch"), FINANCE)],
    "finance:batch_action": [Case(lambda s: {"pk": s.batch.pk, "action": "send_back"}, FINANCE)],
    "finance:tranche_pay": [Case(pk("tranche"), FINANCE)],
    "finance:tranche_fail": [Case(pk("tranche"), FINANCE)],
    "finance:tranche_requeue": [Case(pk("tranche"), FINANCE)],
    "finance:bank_changes": [Case(none, FINANCE)],
    "finance:bank_change": [Case(bank_change, FINANCE)],
    # a rejection without a reason: refused by the service even for finance
    "finance:decide_bank_change": [Case(lambda s: {**bank_change(s), "decision": "reject"}, FINANCE,
                                        post={"comment": ""}, post_only=True)],
    # documents: a job is its owner's (an officer here); agreements follow the project's visibility
    "documents:jobs": [Case(none, EVERYONE_SIGNED_IN)],
    "documents:job_detail": [Case(pk("job"), OFFICERS)],
    "documents:job_status": [Case(pk("job"), OFFICERS)],
    "documents:job_download": [Case(pk("job"), OFFICERS)],
    "documents:new_agreement_batch": [Case(none, OFFICERS)],
    "documents:agreement_pdf": [
        Case(lambda s: {"project_id": s.publicity.pk}, frozenset({"member_a"}) | OFFICERS),
        Case(lambda s: {"project_id": s.running.pk}, RUNNING_VIEWERS),
    ],
}

# Parameters of the public pages (they answer anyone, but still need real ids).
PUBLIC_KWARGS: dict[str, Callable[[Scene], dict]] = {
    "password_reset_confirm": lambda s: {"uidb64": "MQ", "token": "set-password"},
    "public:round": round_pk,
    "rounds:call_document": lambda s: {"document_id": 999999},
    "public:open_data": lambda s: {"fmt": "csv"},
    "reviewers:publicity": round_id,
    "reviewers:publicity_xlsx": round_id,
    "reviewers:publicity_pdf": round_id,
    "reviewers:objection": round_id,
    "public:project": lambda s: {"code": s.running.code},
}


def post_data(name: str, case: Case, scene: Scene) -> dict:
    if name == "applicant:start":
        return {**case.post, "organization": str(scene.world.org.pk)}
    if name in ("finance:home_xlsx", "finance:ledger_xlsx"):
        return {**case.post, "round": str(scene.world.round.pk)}
    return case.post
