"""The application as a document (申报书): every section as filed, read by the read-only page, the
printable PDF and the receipt (回执). Plain values (labels in Chinese, money as text with thousands
separators and 2 decimals), so the templates never see a code."""
import re
from decimal import Decimal

from django.utils import timezone, translation

from core.money import format_yuan
from grants.defaults import ATTACHMENT_KINDS, DOMAINS
from projects.models import Category, Project, ProjectEvent, Source
from projects.receipts import SubmissionReceipt
from projects.sections import SECTIONS

ZERO = Decimal("0.00")


def _size(n: int) -> str:
    return f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{max(1, n // 1024)} KB"


def _number(value: Decimal) -> str:
    """12.00 → "12", 2.50 → "2.5"; never "1E+1"."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


_ANSWER_KEY = re.compile(r"附加问题(\d+)：(.+)", re.S)


def extra_answers(project: Project) -> list[dict]:
    """Answers to the round's extra questions as filed: the last submission snapshot keeps each one
    under "附加问题N：<question>" (projects.services.drafting.snapshot), in the round's order. An
    application filed before the round asked questions has none and the section is left out."""
    event = (ProjectEvent.objects.filter(project=project, action="submit").order_by("-at", "-pk")
             .values_list("data", flat=True).first())
    snapshot = (event or {}).get("snapshot") or {}
    found = []
    for key, value in snapshot.items():
        match = _ANSWER_KEY.fullmatch(str(key))
        if match:
            found.append((int(match.group(1)), match.group(2), str(value or "")))
    return [{"question": question, "answer": answer} for _position, question, answer in sorted(found)]


def _budget(project: Project) -> dict:
    lines, grant, cofund = [], ZERO, ZERO
    for line in project.budget_lines.all():
        if line.source == Source.GRANT:
            grant += line.amount
        else:
            cofund += line.amount
        lines.append({"category": str(Category(line.category).label) if line.category in Category.values else "",
                      "item": line.item, "unit_price": format_yuan(line.unit_price),
                      "quantity": _number(line.quantity), "amount": format_yuan(line.amount),
                      "source": str(Source(line.source).label) if line.source in Source.values else "",
                      "explanation": line.explanation})
    return {"lines": lines, "grant": format_yuan(grant), "cofund": format_yuan(cofund),
            "total": format_yuan(grant + cofund)}


def application_context(project: Project) -> dict:
    """Everything the 申报书 shows; rendered in Chinese whatever the reader's language (a filed form)."""
    org = project.organization
    receipt = SubmissionReceipt.objects.filter(project=project).order_by("-version").first()
    with translation.override("zh-hans"):
        submitted = timezone.localtime(project.submitted_at) if project.submitted_at else None
        return {
            "project": project,
            "project_number": project.code,
            "round_name": project.round.name,
            "section_titles": {s.code: str(s.label) for s in SECTIONS},
            "organization": {
                "name": org.name, "credit_code": org.credit_code or "", "type": str(org.get_org_type_display()),
                "address": org.address, "contact": org.contact_name, "phone": org.contact_phone,
                "rating": org.get_rating_display() or "", "host": org.host.name if org.host is not None else "",
            },
            "basic": {
                "domain": str(DOMAINS.get(project.domain, "")) if project.domain else "",
                "requested": format_yuan(project.requested_amount or ZERO),
                "government_funded": project.government_funded,
                "district": project.service_district, "street": project.service_street,
                "beneficiaries": project.beneficiaries,
            },
            "state": str(project.state_label),
            "version": project.version,
            "submitted_at": submitted,
            "receipt": receipt,
            "budget": _budget(project),
            "milestones": list(project.milestones.all().order_by("due_date", "pk")),
            "indicators": list(project.indicators.all()),
            "attachments": [{"name": a.original_name, "kind": str(ATTACHMENT_KINDS.get(a.kind, a.kind)),
                             "size": _size(a.size), "uploaded_at": timezone.localtime(a.uploaded_at)}
                            for a in project.attachments.exclude(kind__in=["receipt", "signed_agreement"])
                            .order_by("uploaded_at", "pk")],
            "answers": extra_answers(project),
            "printed_at": timezone.localtime(),
        }


def receipt_context(project: Project, receipt: SubmissionReceipt) -> dict:
    with translation.override("zh-hans"):
        return {
            "project": project, "project_number": project.code, "round_name": project.round.name,
            "receipt": receipt, "submitted_at": timezone.localtime(receipt.submitted_at),
            "organization": project.organization.name,
            "requested": format_yuan(project.requested_amount or ZERO),
            "attachments": project.attachments.exclude(kind__in=["receipt", "signed_agreement"]).count(),
            "printed_at": timezone.localtime(),
        }
