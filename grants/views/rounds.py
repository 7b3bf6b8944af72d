"""The round designer, for program officers: the list of rounds, a new round or a copy of last
year's, every setting edited section by section through forms (never JSON), the extra questions and
their preview, the call's documents, publication and the change history. Writes go through
grants.services (grants.rounds), which refuse what history forbids; a refused or invalid post
shows every reason and keeps everything typed."""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Role
from core.errors import DomainError
from core.messages import report_outcome
from grants import designer_forms as f
from grants import history, services
from grants.models import CallDocument, ChangeRecord, District, GrantRound, RoundQuestion
from grants.questions import AnswerForm
from grants.rules.tranches import TRIGGERS
from grants.usage import usage_of


@dataclass(frozen=True)
class Section:
    code: str
    label: str | Promise
    fields: tuple[str, ...] = ()


SECTIONS = (
    Section("basics", gettext_lazy("Name and call for proposals"), ("name", "year", "code", "fund_source", "description")),
    Section("windows", gettext_lazy("Windows and project period"),
            ("apply_start", "apply_end", "review_start", "review_end", "publicity_days", "period_months")),
    Section("money", gettext_lazy("Pot and amounts"),
            ("pot", "min_amount", "max_amount", "settlement_reduces_final_tranche", "receipts_required_above")),
    Section("scope", gettext_lazy("Domains, districts and attachments")),
    Section("eligibility", gettext_lazy("Eligibility policy"),
            ("min_months_registered", "min_rating", "abnormal_lookback_years", "serious_lookback_years",
             "max_applications_per_org", "bar_unfinished", "bar_failed_years", "bar_government_funded",
             "count_ineligible_toward_limit", "count_withdrawn_toward_limit")),
    Section("budget", gettext_lazy("Budget policy"), ("cofunding_min_percent",)),
    Section("review", gettext_lazy("Expert review"),
            ("experts_per_project", "require_finance_expert", "max_load_per_expert", "aggregation",
             "disagreement_threshold", "comment_required_below", "blind_review")),
    Section("tranches", gettext_lazy("Tranche template")),
    Section("evaluation", gettext_lazy("Evaluations and grades"), ("midterm_pass_mark",)),
)
BY_CODE = {s.code: s for s in SECTIONS}
# What each section shows on the round's page (beyond its plain fields).
SUMMARY_EXTRA = {
    "scope": ("domains", "required_attachments"),
    "eligibility": ("unfinished_states",),
    "budget": ("forbidden_expenses",),
    "review": ("rubric",),
    "tranches": ("tranche_template",),
    "evaluation": ("midterm_rubric", "final_rubric", "grade_thresholds"),
}
ACTIONS = {
    "create": gettext_lazy("Created"), "change": gettext_lazy("Changed"), "copy": gettext_lazy("Copied"),
    "publish": gettext_lazy("Published"), "delete": gettext_lazy("Removed"),
}
SUBJECTS = {
    "round": gettext_lazy("Round settings"), "budget_caps": gettext_lazy("Budget caps"),
    "questions": gettext_lazy("Extra questions"), "call_document": gettext_lazy("Call documents"),
}
EXTRA_KEYS = {
    "districts": gettext_lazy("districts served"), "source": gettext_lazy("Copied from"),
    "published_at": gettext_lazy("published at"), "title": gettext_lazy("title"), "file": gettext_lazy("file"),
}


def _officer(request) -> None:
    if not request.user.has_role(Role.OFFICER):
        raise Http404


def _round(request, pk: int) -> GrantRound:
    _officer(request)
    return get_object_or_404(GrantRound, pk=pk)


def _label(key: str) -> str:
    if key in EXTRA_KEYS:
        return str(EXTRA_KEYS[key])
    try:
        field = GrantRound._meta.get_field(key)
    except FieldDoesNotExist:  # a key of another subject is already a label: 人员经费, 第1题
        return key
    return str(getattr(field, "verbose_name", key))


@login_required
def round_list(request):
    _officer(request)
    rounds = GrantRound.objects.order_by("-year", "-apply_start")
    return render(request, "grants/rounds/list.html", {"rounds": rounds})


def _new_round_form(data=None):
    return f.SectionForm(["name", "year", "code", "fund_source", "pot", "min_amount", "max_amount",
                          "apply_start", "apply_end", "period_months"], data)


@login_required
def create(request):
    _officer(request)
    form = _new_round_form(request.POST or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        round = GrantRound(**form.cleaned_data, published_at=None)
        try:
            round = services.save_round(actor=request.user, round=round)
        except DomainError as exc:
            problems = exc.errors
        else:
            return redirect("rounds:detail", pk=round.pk)
    return render(request, "grants/rounds/create.html", {"form": form, "problems": problems})


@login_required
def copy(request, pk: int):
    source = _round(request, pk)
    initial = {"name": source.name.replace(str(source.year), str(source.year + 1)), "year": source.year + 1,
               "code": f"{source.code}-{source.year + 1}"[:30]}
    form = f.CopyForm(request.POST or None, initial=initial)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            round = services.copy_round(actor=request.user, source_id=source.pk, **form.cleaned_data)
        except DomainError as exc:
            problems = exc.errors
        else:
            return redirect("rounds:detail", pk=round.pk)
    return render(request, "grants/rounds/copy.html", {"form": form, "source": source, "problems": problems})


def _history(round: GrantRound) -> list[dict]:
    rows = []
    for record in ChangeRecord.objects.filter(round=round).select_related("actor"):
        keys = list(dict.fromkeys(list(record.before) + list(record.after)))
        # A creation, copy or publication has no "before"; a removal no "after".
        before = record.before if record.action in ("change", "delete") else {}
        after = record.after if record.action != "delete" else {}
        rows.append({"record": record, "action": ACTIONS.get(record.action, record.action),
                     "subject": SUBJECTS.get(record.subject, record.subject),
                     "changes": [(_label(k), before.get(k, ""), after.get(k, "")) for k in keys]})
    return rows


@login_required
def detail(request, pk: int):
    round = _round(request, pk)
    sections = []
    for section in SECTIONS:
        names = list(section.fields) + list(SUMMARY_EXTRA.get(section.code, ()))
        values = history.values(round, names)
        items = [(_label(n), values[n]) for n in names]
        if section.code == "scope":
            items.insert(1, (_label("districts"), "、".join(d.name for d in round.districts.all()) or _("Every district")))
        if section.code == "budget":
            items.insert(0, (_("Budget caps"), "；".join(f"{history.category_label(c.category)}{history.cap_text(c.kind, c.value)}"
                                                         for c in round.budget_caps.all()) or _("Defaults")))
        if section.code == "review":
            items.append((_("Full marks (weighted)"), history.display("x", round.rubric_max_total)))
        sections.append({"section": section, "items": items,
                         "url": reverse("rounds:edit", args=[round.pk, section.code])})
    return render(request, "grants/rounds/detail.html", {
        "round": round, "sections": sections, "usage": usage_of(round),
        "questions": round.questions.all(), "documents": round.call_documents.all(), "history": _history(round),
    })


def _section_forms(section: str, round: GrantRound, data=None, files=None) -> dict:
    forms: dict = {}
    spec = BY_CODE[section]
    if spec.fields:
        initial = {n: getattr(round, n) for n in spec.fields}
        forms["fields"] = f.SectionForm(list(spec.fields), data, initial=initial)
    if section == "eligibility":
        forms["states"] = f.UnfinishedStatesForm(data, initial={"unfinished_states": round.unfinished_states})
    if section == "scope":
        forms["scope"] = f.ScopeForm(data, initial={"domains": round.domains, "districts": list(round.districts.all()),
                                                    "required_attachments": round.required_attachments})
        # A district no longer offered stays selectable for a round that already serves it.
        forms["scope"].fields["districts"].queryset = District.objects.filter(
            Q(active=True) | Q(rounds=round)).distinct()
    elif section == "budget":
        caps = {c.category: (c.kind, c.value) for c in round.budget_caps.all()}
        forms["caps"] = f.CapsForm(data, caps=caps)
        forms["forbidden"] = f.ForbiddenRows(data, prefix="forbidden", initial=[
            {"rule": r["rule"], "keywords": "、".join(r["keywords"])} for r in round.forbidden_expenses])
    elif section == "review":
        forms["rubric"] = f.CriterionRows(data, prefix="rubric", initial=f.criterion_initial(round.rubric))
    elif section == "tranches":
        forms["tranches"] = f.TrancheRows(data, prefix="tranches", initial=round.tranche_template)
    elif section == "evaluation":
        forms["midterm"] = f.EvaluationRows(data, prefix="midterm", initial=round.midterm_rubric)
        forms["final"] = f.EvaluationRows(data, prefix="final", initial=round.final_rubric)
        t = round.grade_thresholds or {}
        forms["grades"] = f.ThresholdsForm(data, initial={"excellent": t.get("excellent"), "good": t.get("good"),
                                                          "passed": t.get("pass")})
    forms["reason"] = f.ReasonForm(data)
    return forms


def _apply(section: str, round: GrantRound, forms: dict) -> dict:
    """Puts the posted values on `round` (unsaved); returns extra arguments for the services."""
    extra: dict = {}
    if "fields" in forms:
        for name, value in forms["fields"].cleaned_data.items():
            setattr(round, name, value)
    if section == "eligibility":
        round.unfinished_states = list(forms["states"].cleaned_data["unfinished_states"])
    if section == "scope":
        data = forms["scope"].cleaned_data
        round.domains, round.required_attachments = list(data["domains"]), list(data["required_attachments"])
        extra["districts"] = list(data["districts"])
    elif section == "budget":
        round.forbidden_expenses = [{"rule": r["rule"].strip(), "keywords": r["keywords"]}
                                    for r in f.rows_of(forms["forbidden"])]
        extra["caps"] = forms["caps"].caps()
    elif section == "review":
        round.rubric = f.with_codes(f.rows_of(forms["rubric"]), "c")
    elif section == "tranches":
        round.tranche_template = [{"name": r["name"].strip(), "percent": f._number(r["percent"]), "trigger": r["trigger"]}
                                  for r in f.rows_of(forms["tranches"])]
    elif section == "evaluation":
        round.midterm_rubric = f.with_codes(f.rows_of(forms["midterm"]), "m")
        round.final_rubric = f.with_codes(f.rows_of(forms["final"]), "f")
        round.grade_thresholds = forms["grades"].thresholds()
    return extra


@login_required
def edit(request, pk: int, section: str):
    round = _round(request, pk)
    if section not in BY_CODE:
        raise Http404
    forms = _section_forms(section, round, request.POST or None)
    problems: list[str] = []
    if request.method == "POST":
        if all(form.is_valid() for form in forms.values()):
            changed = GrantRound.objects.get(pk=round.pk)
            extra = _apply(section, changed, forms)
            reason = forms["reason"].cleaned_data["reason"]
            try:
                with transaction.atomic():
                    services.save_round(actor=request.user, round=changed, reason=reason,
                                        districts=extra.get("districts"))
                    if "caps" in extra:
                        services.set_budget_caps(actor=request.user, round_id=round.pk, caps=extra["caps"], reason=reason)
            except DomainError as exc:
                problems = exc.errors
            else:
                messages.success(request, _("The settings are saved."))
                return redirect("rounds:detail", pk=round.pk)
        else:
            problems = [_("Please correct the entries marked below; nothing has been saved yet.")]
    return render(request, "grants/rounds/edit.html", {
        "round": round, "section": BY_CODE[section], "forms": forms, "problems": problems,
        "triggers": TRIGGERS, "usage": usage_of(round),
    })


@login_required
def questions(request, pk: int):
    round = _round(request, pk)
    initial = [{"id": q.pk, "label": q.label, "help_text": q.help_text, "kind": q.kind,
                "choices": "\n".join(q.choices), "required": q.required} for q in round.questions.all()]
    rows = f.QuestionRows(request.POST or None, prefix="questions", initial=initial)
    reason = f.ReasonForm(request.POST or None)
    problems: list[str] = []
    if request.method == "POST":
        if rows.is_valid() and reason.is_valid():
            wanted = []
            for form in rows.forms:
                data = form.cleaned_data
                if not form.has_changed() and not data.get("id"):
                    continue
                if not data:
                    continue
                wanted.append({**data, "delete": bool(data.get("DELETE"))})
            try:
                services.save_questions(actor=request.user, round_id=round.pk, rows=wanted,
                                        reason=reason.cleaned_data["reason"])
            except DomainError as exc:
                problems = exc.errors
            else:
                return redirect("rounds:detail", pk=round.pk)
        else:
            problems = [_("Please correct the entries marked below; nothing has been saved yet.")]
    return render(request, "grants/rounds/questions.html", {
        "round": round, "rows": rows, "reason": reason, "problems": problems})


@login_required
def preview(request, pk: int):
    """The extra questions exactly as the applicant's form shows them (nothing is saved here)."""
    round = _round(request, pk)
    asked = list(RoundQuestion.objects.filter(round=round))
    return render(request, "grants/rounds/preview.html", {
        "round": round, "form": AnswerForm(asked), "editable": False, "save_url": "",
        "attachments": history.display("required_attachments", round.required_attachments),
        "domains": history.display("domains", round.domains),
    })


@login_required
@require_POST
def publish(request, pk: int):
    round = _round(request, pk)
    report_outcome(request, lambda: services.publish_round(actor=request.user, round_id=round.pk),
                   done=_("The round is published: its call is on the public site."))
    return redirect("rounds:detail", pk=round.pk)


@login_required
def documents(request, pk: int):
    round = _round(request, pk)
    form = f.CallDocumentForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.add_call_document(actor=request.user, round_id=round.pk, title=form.cleaned_data["title"],
                                       upload=form.cleaned_data["file"])
        except DomainError as exc:
            problems = exc.errors
        else:
            return redirect("rounds:documents", pk=round.pk)
    return render(request, "grants/rounds/documents.html", {
        "round": round, "form": form, "problems": problems, "documents": round.call_documents.all()})


@login_required
@require_POST
def remove_document(request, pk: int, document_id: int):
    round = _round(request, pk)
    if not CallDocument.objects.filter(pk=document_id, round=round).exists():
        messages.error(request, "该文件不存在或已删除")
        return redirect("rounds:documents", pk=round.pk)
    report_outcome(request, lambda: services.remove_call_document(actor=request.user, document_id=document_id),
                   done=_("The document is removed."))
    return redirect("rounds:documents", pk=round.pk)


def call_document(request, document_id: int):
    """A document of a published call, for anyone; an unpublished round's documents are not found."""
    document = get_object_or_404(CallDocument.objects.select_related("round"), pk=document_id,
                                 round__published_at__isnull=False)
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.original_name,
                        content_type=document.content_type)


@login_required
def districts(request):
    _officer(request)
    form = f.DistrictForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and report_outcome(
        request, lambda: services.save_district(actor=request.user, district=form.instance),
        done=_("The district is saved."),
    ):
        return redirect("rounds:districts")
    return render(request, "grants/rounds/districts.html", {"form": form, "districts": District.objects.all()})


@login_required
@require_POST
def toggle_district(request, district_id: int):
    _officer(request)
    district = get_object_or_404(District, pk=district_id)
    district.active = not district.active
    report_outcome(request, lambda: services.save_district(actor=request.user, district=district),
                   done=_("The district is saved."))
    return redirect("rounds:districts")
