"""The status page: where the project stands, what happened (the audit trail) and what to do next."""
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from projects.models import REVIEW_INTERNAL_ACTIONS
from projects.views.applicant.common import member_project
from projects.states import EDITABLE, SIGNED, State

NEXT_STEP = {
    State.DRAFT: _("Complete every section and submit before the deadline."),
    State.SUBMITTED: _("Nothing to do: the program officer is checking eligibility."),
    State.RETURNED: _("Revise the application as the officer asks below, then submit it again."),
    State.INELIGIBLE: _("The application did not pass the eligibility check. The reason is below."),
    State.UNDER_REVIEW: _("Nothing to do: experts are reviewing the application."),
    State.REVIEWED: _("Nothing to do: the funding decision is being made."),
    State.APPROVED: _("The project is proposed for funding. Check the approved amount and revise the budget if needed."),
    State.WAITLISTED: _("The project is on the waiting list."),
    State.REJECTED: _("The project was not funded this time."),
    State.PUBLICITY: _("The public notice is running. Read the agreement terms and sign when the notice ends."),
    State.OBJECTION: _("An objection is being examined; wait for the officer's decision."),
    State.CONTRACTED: _("The agreement is signed. The first tranche is on its way."),
    State.IN_PROGRESS: _("Carry out the project, submit progress reports and keep the receipts."),
    State.MIDTERM_REVIEW: _("Mid-term evaluation: submit your mid-term report."),
    State.FINAL_REVIEW: _("Final evaluation: submit your final report."),
    State.COMPLETED: _("The project is completed."),
    State.TERMINATED: _("The project was terminated."),
    State.WITHDRAWN: _("The application was withdrawn."),
}
def label_events(events) -> list:
    for e in events:
        e.label = e.action_label
    return events


WITHDRAWABLE = {State.DRAFT, State.SUBMITTED, State.RETURNED, State.UNDER_REVIEW, State.REVIEWED, State.WAITLISTED}


def project(request, pk: int):
    project = member_project(request, pk)
    events = label_events(list(
        project.events.exclude(action__in=REVIEW_INTERNAL_ACTIONS).select_related("actor").order_by("-at", "-id")
    ))
    for e in events:
        if e.actor is not None and e.actor.role == Role.EXPERT:
            e.actor = None  # the last expert's submission finishes the review; who reviews stays private
    officer_comments = [e for e in events if e.comment and e.action in {
        "return_for_revision", "mark_ineligible", "reject", "raise_objection", "uphold_objection",
        "dismiss_objection", "adjustment_rejected", "adjustment_approved", "fail_midterm", "fail_final", "terminate"}]
    return render(request, "applicant/project.html", {
        "project": project, "events": events, "officer_comments": officer_comments[:3],
        "next_step": NEXT_STEP.get(project.state, ""), "editable": project.state in EDITABLE,
        "withdrawable": project.state in WITHDRAWABLE, "signed": project.state in SIGNED,
        "signing": project.state in (State.APPROVED, State.PUBLICITY),
        "files": project.attachments.all(),
    })
