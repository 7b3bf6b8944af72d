"""The status page: where the project stands, what happened (the audit trail) and what to do next."""
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from finance.models import TrancheState
from projects import lifecycle
from projects.lifecycle import PROJECT
from projects.models import REVIEW_INTERNAL_ACTIONS, Settlement
from projects.notifications import decision_text
from projects.states import MEMBER, State
from projects.views.applicant.common import member_project

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
# Staff decisions whose reasons the organization should read first: every staff lever that takes a
# comment, and the decisions on its budget adjustments.
STAFF_COMMENTS = {
    t.name for t in PROJECT if MEMBER not in t.roles and ("comment" in t.inputs or t.comment_required)
} | {"adjustment_approved", "adjustment_rejected", "approve"}


def label_events(events) -> list:
    for e in events:
        e.label = e.applicant_label
        if e.action == "approve":
            e.comment = decision_text(e)  # the amount and the cut, with the reason
    return events


def project(request, pk: int):
    project = member_project(request, pk, related=("round",))  # the page never shows the organization
    events = label_events(list(
        project.events.exclude(action__in=REVIEW_INTERNAL_ACTIONS).select_related("actor").order_by("-at", "-id")
    ))
    for e in events:
        if e.actor is not None and e.actor.role == Role.EXPERT:
            e.actor = None  # the last expert's submission finishes the review; who reviews stays private
    officer_comments = [e for e in events if e.comment and e.action in STAFF_COMMENTS]
    offered = {t.name for t in lifecycle.offered(project, request.user)}
    # A transfer the bank returned waits for a corrected account: say so rather than "on its way".
    returned = project.tranches.filter(state=TrancheState.RELEASABLE).exclude(failure_reason="").order_by("seq")
    payment_problems = [
        gettext("%(tranche)s payment failed (%(reason)s); please update the account for payments.")
        % {"tranche": t.name, "reason": t.failure_reason} for t in returned
    ]
    return render(request, "applicant/project.html", {
        "project": project, "events": events, "officer_comments": officer_comments[:3],
        # "The first tranche is on its way" would be false while the bank has it back.
        "next_step": "" if payment_problems and project.state == State.CONTRACTED else NEXT_STEP.get(project.state, ""),
        "editable": project.state in PROJECT.group("editable"),
        "withdrawable": "withdraw" in offered, "signed": project.state in PROJECT.group("signed"),
        "signing": project.state in PROJECT.group("awaiting_signature"),
        "files": project.attachments.all(), "payment_problems": payment_problems,
        "settlement": Settlement.objects.filter(project=project).first(),
    })
