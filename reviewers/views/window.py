"""The officer's review-window page: the round's review period, its extensions (who, when, from, to,
why) and the form that extends it (reviewers.window)."""
from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core.calendar import today
from core.messages import report_outcome
from reviewers import selectors, window


class ExtendForm(forms.Form):
    new_end = forms.DateField(label=gettext_lazy("New review end"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


@login_required
@require_http_methods(["GET", "POST"])
def review_window(request, pk):
    round = selectors.round_for_officer(request.user, pk)
    form = ExtendForm(request.POST or None)
    extended = request.method == "POST" and form.is_valid() and report_outcome(
        request, lambda: window.extend_review_window(
            actor=request.user, round_id=round.pk, new_end=form.cleaned_data["new_end"],
            reason=form.cleaned_data["reason"]),
        done=_("The review window was extended."))
    if extended:
        return redirect("reviewers:review_window", pk=round.pk)
    return render(request, "reviewers/review_window.html", {
        "round": round, "form": form, "history": window.extensions(round),
        "closed": window.closed_problem(round.review_end, today()),
    })
