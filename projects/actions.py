"""Transitions a staff form can drive (admin and officer pages), each mapped to its service call.

Each takes (user, project id, form data with comment / amount / signer_name). The evaluation outcomes
are not here: they follow from recorded scores.
"""
from projects import services

TRANSITION_ACTIONS = {
    "return_for_revision": lambda user, p, d: services.return_for_revision(actor=user, project_id=p, comment=d["comment"]),
    "mark_ineligible": lambda user, p, d: services.mark_ineligible(actor=user, project_id=p, comment=d["comment"]),
    "accept_for_review": lambda user, p, d: services.accept_for_review(actor=user, project_id=p, comment=d["comment"]),
    "finish_review": lambda user, p, d: services.finish_review(actor=user, project_id=p),
    "approve": lambda user, p, d: services.approve_project(
        actor=user, project_id=p, approved_amount=d["amount"], comment=d["comment"]),
    "waitlist": lambda user, p, d: services.waitlist_project(actor=user, project_id=p, comment=d["comment"]),
    "reject": lambda user, p, d: services.reject_project(actor=user, project_id=p, comment=d["comment"]),
    "reopen_decision": lambda user, p, d: services.reopen_decision(actor=user, project_id=p, comment=d["comment"]),
    "publish": lambda user, p, d: services.publish_project(actor=user, project_id=p),
    "raise_objection": lambda user, p, d: services.raise_objection(actor=user, project_id=p, comment=d["comment"]),
    "dismiss_objection": lambda user, p, d: services.dismiss_objection(actor=user, project_id=p, comment=d["comment"]),
    "uphold_objection": lambda user, p, d: services.uphold_objection(actor=user, project_id=p, comment=d["comment"]),
    "sign": lambda user, p, d: services.sign_agreement(actor=user, project_id=p, signer_name=d["signer_name"]),
    "start": lambda user, p, d: services.start_project(actor=user, project_id=p),
    "begin_midterm": lambda user, p, d: services.begin_midterm(actor=user, project_id=p),
    "begin_final": lambda user, p, d: services.begin_final(actor=user, project_id=p),
    "terminate": lambda user, p, d: services.terminate_project(
        actor=user, project_id=p, reason=d["comment"], clawback_amount=d["amount"] or "0"),
}
