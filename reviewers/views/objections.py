"""The officers' queue of online objections to a 公示: read them with their evidence, answer each one.
Whether a project goes back (raise / dismiss / uphold) is decided on the round's 公示 page."""
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from core.messages import report_outcome
from core.pagination import paginate
from reviewers import objection_services
from reviewers.objection_forms import AnswerForm
from reviewers.objections import Objection, ObjectionState


def _officer(request) -> None:
    if not request.user.has_role(Role.OFFICER):
        raise Http404


@login_required
def objection_list(request):
    _officer(request)
    show = request.GET.get("show", "open")
    qs = Objection.objects.select_related("project", "round", "answered_by")
    if show != "all":
        qs = qs.filter(state=ObjectionState.RECEIVED)
    page = paginate(request, qs.order_by("state", "received_at", "pk"), 50)
    return render(request, "reviewers/objections.html", {
        "page": page, "objections": list(page), "show": show, "form": AnswerForm(),
        "waiting": Objection.objects.filter(state=ObjectionState.RECEIVED).count(),
    })


@login_required
@require_POST
def answer(request, pk: int):
    _officer(request)
    report_outcome(request, lambda: objection_services.answer_objection(
        actor=request.user, objection_id=pk, answer=request.POST.get("answer", "")),
        done=_("The answer has been recorded."))
    return redirect("reviewers:objections")


@login_required
def evidence(request, pk: int):
    _officer(request)
    objection = Objection.objects.filter(pk=pk).exclude(evidence="").first()
    if objection is None:
        raise Http404
    response = FileResponse(objection.evidence.open("rb"), content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, objection.evidence_name) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
