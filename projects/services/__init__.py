"""Every write to a project goes through here: keyword-only, typed, with an actor, audited.

One module per stage: drafting (the application while it is edited), attachments, transitions (the
lifecycle), implementation (after signing). This package re-exports the public services so callers
write `from projects import services` and need not know which module holds one.
"""
from projects.services.attachments import add_attachment, remove_attachment
from projects.services.audit import log_event
from projects.services.drafting import (
    EDITABLE_FIELDS,
    TITLE_REQUIRED,
    create_project,
    replace_budget,
    replace_indicators,
    replace_milestones,
    save_draft,
    snapshot,
    stored_rows,
    update_project,
)
from projects.services.government_funding import record_government_funding_check
from projects.services.implementation import (
    complete_milestone,
    decide_budget_adjustment,
    request_budget_adjustment,
    revise_budget_for_approval,
    submit_report,
)
from projects.services.publicity import correct_publicity_end
from projects.services.report_review import review_report
from projects.services.transitions import (
    accept_for_review,
    approve_project,
    begin_final,
    begin_midterm,
    claw_back_after_failure,
    conclude_final,
    conclude_midterm,
    dismiss_objection,
    finish_review,
    mark_ineligible,
    perform_transition,
    publish_project,
    raise_objection,
    record_evaluation,
    reject_project,
    reopen_decision,
    return_for_revision,
    run_transition,
    sign_agreement,
    start_project,
    submit_project,
    terminate_project,
    uphold_objection,
    waitlist_project,
    withdraw_project,
)

__all__ = [
    "TITLE_REQUIRED", "save_draft", "stored_rows",
    "EDITABLE_FIELDS", "accept_for_review", "add_attachment", "approve_project", "begin_final", "begin_midterm",
    "claw_back_after_failure", "complete_milestone", "conclude_final", "conclude_midterm", "correct_publicity_end",
    "create_project",
    "decide_budget_adjustment", "dismiss_objection", "finish_review", "log_event", "mark_ineligible",
    "perform_transition", "publish_project", "raise_objection", "record_evaluation",
    "record_government_funding_check", "reject_project",
    "remove_attachment", "reopen_decision", "replace_budget", "replace_indicators", "replace_milestones",
    "request_budget_adjustment",
    "return_for_revision", "review_report", "revise_budget_for_approval", "run_transition", "sign_agreement", "snapshot",
    "start_project", "submit_project", "submit_report", "terminate_project", "uphold_objection",
    "update_project", "waitlist_project", "withdraw_project",
]
