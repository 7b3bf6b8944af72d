"""Pages for the public (社会公众): no login, and only facts that are public by policy."""
from django.shortcuts import render

from grants.models import GrantRound
from projects.models import Project
from projects.states import State

PUBLIC_STATES = [
    State.PUBLICITY, State.CONTRACTED, State.IN_PROGRESS, State.MIDTERM_REVIEW, State.FINAL_REVIEW,
    State.COMPLETED,
]


def index(request):
    rounds = GrantRound.objects.order_by("-year", "-apply_start")[:20]
    notices = (
        Project.objects.filter(state__in=[State.PUBLICITY, State.OBJECTION])
        .select_related("organization", "round")
        .only("code", "title", "domain", "approved_amount", "publicity_end", "state",
              "organization__name", "round__name")
        .order_by("round_id", "code")
    )
    funded = (
        Project.objects.filter(state__in=PUBLIC_STATES[1:])
        .select_related("organization", "round")
        .only("code", "title", "domain", "approved_amount", "state", "grade", "organization__name", "round__name")
        .order_by("-round__year", "code")[:200]
    )
    return render(request, "public/index.html", {"rounds": rounds, "notices": notices, "funded": funded})
