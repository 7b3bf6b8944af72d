"""The project lifecycle, declared once: every transition (from where, to where, who, whether a
reason is required, its guard and effect, what staff and the applicant read) and the named groups of
states that pages and queries use.

Everything else is derived from this table: the django-fsm methods of Project, the role check, the
admin's transition buttons, the actions each page offers, the labels of the audit trail and of the
notifications. A new transition is one row here, its guard in projects.guards and its effect in
projects.effects (either may be absent). Reactions of other apps (money, reviews) hang on the
signals of projects.signals, not here.
"""
from accounts.models import Role
from core.fsm import Machine, Step, Transition
from core.problems import Problem
from projects.permissions import may_transition
from projects.signals import collect_checks
from projects.states import MEMBER, State

S = State
OFFICER, FINANCE, EVALUATOR = Role.OFFICER, Role.FINANCE, Role.EVALUATOR
BEFORE_DECISION = (S.DRAFT, S.SUBMITTED, S.RETURNED, S.UNDER_REVIEW, S.REVIEWED, S.WAITLISTED)
SIGNED_STATES = (S.CONTRACTED, S.IN_PROGRESS, S.MIDTERM_REVIEW, S.FINAL_REVIEW)
COMMENT = ("comment",)

T = Transition
PROJECT = Machine(
    name="project",
    field="state",
    states=S.choices,
    permission=may_transition,
    guards="projects.guards",
    effects="projects.effects",
    transitions=[
        # The application.
        T("submit", (S.DRAFT, S.RETURNED), S.SUBMITTED, "提交申报", {MEMBER},
          guard="may_submit", effect="submit"),
        T("withdraw", BEFORE_DECISION, S.WITHDRAWN, "撤回申报", {MEMBER}, comment_required=True, inputs=COMMENT),
        T("return_for_revision", S.SUBMITTED, S.RETURNED, "退回补正", {OFFICER},
          applicant_label="申报被退回补正", comment_required=True, inputs=COMMENT),
        T("mark_ineligible", S.SUBMITTED, S.INELIGIBLE, "资格审查不合格", {OFFICER},
          applicant_label="资格审查未通过", comment_required=True, inputs=COMMENT),
        T("accept_for_review", S.SUBMITTED, S.UNDER_REVIEW, "资格审查合格，进入专家评审", {OFFICER},
          applicant_label="资格审查通过，进入专家评审", guard="may_accept", inputs=COMMENT),
        # Review and decision. Whether every expert has scored is the reviewers app's check.
        T("finish_review", S.UNDER_REVIEW, S.REVIEWED, "评审完成", {OFFICER}, applicant_label="专家评审完成"),
        T("approve", (S.REVIEWED, S.WAITLISTED), S.APPROVED, "拟资助", {OFFICER},
          guard="may_approve", effect="approve", inputs=("amount", "comment")),
        # Every decision other than funding as requested in rank order is explained to the applicant:
        # waitlisting and rejecting always; a cut (projects.guards.cut_reason) and funding out of rank
        # order (the reviewers' check) on the approval.
        T("waitlist", S.REVIEWED, S.WAITLISTED, "列为候补", {OFFICER}, applicant_label="列入候补名单",
          comment_required=True, inputs=COMMENT),
        T("reject", (S.REVIEWED, S.WAITLISTED), S.REJECTED, "不予资助", {OFFICER}, effect="decide",
          comment_required=True, inputs=COMMENT),
        T("reopen_decision", (S.APPROVED, S.WAITLISTED, S.REJECTED), S.REVIEWED, "撤销立项决定", {OFFICER},
          applicant_label="立项决定撤销，重新决定", comment_required=True, effect="clear_decision", inputs=COMMENT),
        # 公示 and its objections.
        T("publish", S.APPROVED, S.PUBLICITY, "进入公示", {OFFICER}, applicant_label="进入公示期", effect="publish"),
        T("raise_objection", S.PUBLICITY, S.OBJECTION, "登记公示异议", {OFFICER},
          applicant_label="公示期收到异议，正在核查", comment_required=True, inputs=COMMENT),
        T("dismiss_objection", S.OBJECTION, S.PUBLICITY, "异议不成立，恢复公示", {OFFICER},
          comment_required=True, inputs=COMMENT),
        T("uphold_objection", S.OBJECTION, S.REVIEWED, "异议成立，退回立项决定", {OFFICER},
          comment_required=True, effect="clear_decision", inputs=COMMENT),
        # Agreement and implementation. The money follows through finance's receivers.
        T("sign", S.PUBLICITY, S.CONTRACTED, "签订资助协议", {MEMBER, OFFICER},
          guard="may_sign", effect="sign", inputs=("signer_name",)),
        T("start", S.CONTRACTED, S.IN_PROGRESS, "首期拨付到账，开始实施", {OFFICER, FINANCE},
          applicant_label="首期资金到账，项目开始实施"),
        T("begin_midterm", S.IN_PROGRESS, S.MIDTERM_REVIEW, "开始中期评估", {OFFICER, EVALUATOR},
          guard="may_begin_midterm"),
        T("pass_midterm", S.MIDTERM_REVIEW, S.IN_PROGRESS, "中期评估合格", {OFFICER, EVALUATOR},
          guard="may_pass_midterm", effect="pass_midterm", manual=False),
        T("fail_midterm", S.MIDTERM_REVIEW, S.IN_PROGRESS, "中期评估不合格", {OFFICER, EVALUATOR},
          comment_required=True, guard="may_fail_midterm", manual=False),
        T("begin_final", S.IN_PROGRESS, S.FINAL_REVIEW, "开始结项评估", {OFFICER, EVALUATOR},
          guard="may_begin_final"),
        T("complete", S.FINAL_REVIEW, S.COMPLETED, "结项评估合格，结项", {OFFICER, EVALUATOR},
          applicant_label="结项评估合格，项目结项", guard="may_complete", effect="grade", manual=False),
        T("fail_final", S.FINAL_REVIEW, S.TERMINATED, "结项评估不合格", {OFFICER, EVALUATOR},
          comment_required=True, guard="may_fail_final", effect="grade", manual=False),
        T("terminate", SIGNED_STATES, S.TERMINATED, "终止项目", {OFFICER}, applicant_label="项目终止",
          comment_required=True, effect="note_clawback", inputs=("amount", "comment")),
        # What a terminated project owes back (追回), when its termination did not already say.
        T("claw_back", S.TERMINATED, S.TERMINATED, "登记追回金额", {OFFICER}, applicant_label="登记应退回的资助资金",
          comment_required=True, guard="may_claw_back", effect="note_clawback", inputs=("amount", "comment")),
    ],
    groups={
        # The applicant may still edit the application.
        "editable": {S.DRAFT, S.RETURNED},
        # Never became an application (dashboards and the one-application-per-round rule skip them).
        "not_applied": {S.DRAFT, S.WITHDRAWN},
        # Experts see a proposal while it is reviewed and decided, not the project's later life.
        "review_stage": {S.UNDER_REVIEW, S.REVIEWED, S.WAITLISTED},
        # Approved, before signing: the budget may be revised to the approved amount.
        "awaiting_signature": {S.APPROVED, S.PUBLICITY},
        # Shown in the public notice.
        "public_notice": {S.PUBLICITY, S.OBJECTION},
        # After the funding decision: counts as an awarded project.
        "funded": {S.APPROVED, S.PUBLICITY, S.OBJECTION, *SIGNED_STATES, S.COMPLETED, S.TERMINATED},
        # Money taken from the round's pot: funded, less what a termination gave back.
        "committed": {S.APPROVED, S.PUBLICITY, S.OBJECTION, *SIGNED_STATES, S.COMPLETED},
        # Implementation has begun: the budget changes only through an approved adjustment.
        "signed": set(SIGNED_STATES),
        # An organization with a project here has unfinished business (eligibility).
        "unfinished": set(SIGNED_STATES),
        # Signed and not terminated: their indicators count towards the round's results.
        "implemented": {*SIGNED_STATES, S.COMPLETED},
        # Money has moved or may move: what finance sees.
        "after_signing": {*SIGNED_STATES, S.COMPLETED, S.TERMINATED},
        # Awaiting or in an evaluation: the evaluators' work list.
        "evaluation_queue": {S.IN_PROGRESS, S.MIDTERM_REVIEW, S.FINAL_REVIEW},
        # What evaluators may open.
        "evaluable": {S.IN_PROGRESS, S.MIDTERM_REVIEW, S.FINAL_REVIEW, S.COMPLETED, S.TERMINATED},
    },
)

# Shorthands for the groups most modules ask about, and the rows by name.
TRANSITIONS = {t.name: t for t in PROJECT}
EDITABLE = PROJECT.group("editable")
FUNDED = PROJECT.group("funded")
SIGNED = PROJECT.group("signed")
UNFINISHED = PROJECT.group("unfinished")


def make_step(project, name: str, *, actor=None, params=None, comment: str = "", now=None) -> Step:
    when = {"now": now} if now is not None else {}
    return Step(obj=project, transition=PROJECT.get(name), actor=actor, params=params or {}, comment=comment,
                machine=PROJECT, **when)


def checks(project, step: Step) -> list[Problem]:
    """The row's guard, then the other apps' checks (projects.signals.transition_checks)."""
    return [*PROJECT.problems(project, step), *collect_checks(project, step)]


def problems(project, name: str, *, actor=None, params: dict | None = None, now=None) -> list[Problem]:
    """Every reason `name` cannot happen to `project` now, for a page to show before anyone pulls the
    lever. State and role are not judged here (see offered)."""
    return checks(project, make_step(project, name, actor=actor, params=params, now=now))


def offered(project, user, names=None) -> list[Transition]:
    """What a page may offer `user` on `project` now: leaving its state, permitted for the user, and
    pulled by hand (not the outcome of scores or a payment). `names` narrows to one page's levers."""
    return [t for t in PROJECT.available(project, user)
            if t.manual and (names is None or t.name in names)]


def ready(project, user, names=None, *, now=None) -> list[Transition]:
    """offered(), less those that something other than the form's inputs already stops: a problem
    about an input the form collects (Problem.field) is the form's to fix."""
    return [t for t in offered(project, user, names)
            if not [p for p in problems(project, t.name, actor=user, now=now) if p.field not in t.inputs]]
