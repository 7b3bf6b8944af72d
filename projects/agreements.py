"""The grant agreement (资助协议书): its content built from a project, and the rendered PDF.

It lives with the project data it prints; documents only supplies the printers. The wording is
Chinese policy language (as in the services' rule messages), not UI text: a signed agreement must
read the same whatever language the officer's browser prefers. It is written once, here, as blocks
(`agreement_document`): documents.flow draws them straight to PDF, or renders them as HTML for
WeasyPrint when the text needs it (documents.flow.supports), so both print the same wording.
"""
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import dateformat, timezone

from core.money import format_yuan, percent_of, percent_of_display, rmb_upper
from documents import flow
from documents.flow import (
    Block,
    Cell,
    Clauses,
    Document,
    Field,
    Fields,
    Heading,
    Number,
    Paragraph,
    Run,
    Signature,
    Signatures,
    Table,
    Title,
)
from grants.rules.budget import CATEGORIES, totals
from grants.rules.tranches import TRIGGERS, split_amount
from grants.vocabulary import document_domain_label
from projects import budget as project_budget
from projects.models import Project

DEFAULT_FUNDER = "XX市民政局"

ORG_TYPES = {"social_group": "社会团体", "social_service": "社会服务机构", "foundation": "基金会",
             "community": "备案社区社会组织"}
FUND_SOURCES = {"welfare_lottery": "福彩公益金", "fiscal": "财政专项资金", "social": "社会资金"}
FORBIDDEN_USES = "因公出国（境）、公务接待、公务用车、楼堂馆所、罚款、偿还债务、对外投资、营利活动及向服务对象发放现金"


def funder_name() -> str:
    return getattr(settings, "YICHUANG_FUNDER_NAME", DEFAULT_FUNDER)


def filename(project: Project) -> str:
    return f"{project.code or project.pk}-资助协议书.pdf"


@dataclass(frozen=True)
class LaborCap:
    paid: Decimal
    limit: Decimal  # the exact limit the rule compares against
    shown: Decimal  # the largest fen amount within the limit, for print
    basis: str

    @property
    def within(self) -> bool:
        return self.paid <= self.limit


def labor_cap(project: Project, lines: list) -> LaborCap:
    caps = {c.category: c for c in project_budget.round_caps(project.round)}
    cap = caps["labor"]  # round_caps always supplies the 50% default when the round sets none
    facts = project_budget.facts(lines)
    sums = totals(facts)
    paid = sums["grant_by_category"]["labor"]
    approved = project.approved_amount
    pct = format(cap.value.normalize(), "f") if cap.value is not None else ""
    if cap.kind == "pct_grant":
        return LaborCap(paid, percent_of(approved, cap.value), percent_of_display(approved, cap.value),
                        f"核定资助金额的 {pct}%")
    if cap.kind == "pct_total":
        return LaborCap(paid, percent_of(sums["total"], cap.value), percent_of_display(sums["total"], cap.value),
                        f"预算总额的 {pct}%")
    if cap.kind == "fixed":
        return LaborCap(paid, cap.value, cap.value, "本批次固定限额")
    return LaborCap(paid, Decimal("0"), Decimal("0.00"), "本批次规定不得使用资助资金支付")


def budget_rows(lines: list) -> dict:
    sums = totals(project_budget.facts(lines))
    rows = []
    for code, label in CATEGORIES.items():
        total = sums["by_category"].get(code, Decimal("0"))
        if total == 0:
            continue
        grant = sums["grant_by_category"].get(code, Decimal("0"))
        rows.append({"label": label, "grant": format_yuan(grant), "cofund": format_yuan(total - grant),
                     "total": format_yuan(total)})
    return {
        "rows": rows,
        "grant": format_yuan(sums["by_source"].get("grant", Decimal("0"))),
        "cofund": format_yuan(sums["by_source"].get("cofund", Decimal("0"))),
        "total": format_yuan(sums["total"]),
    }


def tranche_rows(project: Project) -> list[dict]:
    """The project's own tranches once they exist (after signing); before, the round's template."""
    stored = list(project.tranches.all())
    if stored:
        plan = [(t.seq, t.name, t.percent, t.trigger, t.amount) for t in stored]
    else:
        template = project.round.tranche_template
        amounts = split_amount(project.approved_amount, [Decimal(str(t["percent"])) for t in template])
        plan = [(i, t["name"], Decimal(str(t["percent"])), t["trigger"], amount)
                for i, (t, amount) in enumerate(zip(template, amounts, strict=True), start=1)]
    return [
        {"seq": seq, "name": name, "percent": f"{percent.normalize():f}%", "trigger": TRIGGERS.get(trigger, trigger),
         "amount": format_yuan(amount), "upper": rmb_upper(amount)}
        for seq, name, percent, trigger, amount in plan
    ]


def obligations(project: Project, cap: LaborCap, *, fund_source: str, host_name: str | None) -> list[str]:
    items = [
        f"乙方应按照本协议及项目申报书组织实施项目，项目周期为 {project.round.period_months} 个月；"
        "未经甲方书面同意，不得变更项目内容、服务对象、实施地点或转包项目。",
        "资助资金实行专款专用、单独核算，只能用于本协议预算所列支出；预算确需调整的，应在系统中提出预算调整申请，经甲方同意后执行。",
        f"使用资助资金支付的人员经费/劳务费合计不得超过 {format_yuan(cap.shown)} 元（{cap.basis}）。",
        f"资助资金不得用于{FORBIDDEN_USES}。",
        "乙方应按时提交项目进度报告、中期报告和结项报告，如实报告服务成效和资金使用情况，"
        "并接受甲方及其委托的第三方机构开展的中期评估、结项评估和审计监督。",
        "资助资金按本协议第四条分期拨付；中期评估不合格的，甲方有权暂停拨付后续资金，直至终止项目。",
        "项目终止或结项评估不合格的，乙方应按甲方要求退回未使用或违规使用的资助资金。",
    ]
    if fund_source == "福彩公益金":
        items.append("项目活动现场、宣传品和印刷品应按规定使用福彩公益金资助标识。")
    if host_name:
        items.append(f"依托单位「{host_name}」代乙方收取资助资金，负责监督资金使用，并与乙方共同承担资金管理责任。")
    return items


def _party(org) -> dict:
    return {"name": org.name, "credit_code": org.credit_code or "", "type": ORG_TYPES.get(org.org_type, ""),
            "address": org.address, "contact": org.contact_name, "phone": org.contact_phone}


def agreement_context(project: Project) -> dict:
    """Everything the template prints; the project must carry an approved amount."""
    org = project.organization
    host = org.host if org.org_type == "community" and org.host_id else None
    payee = org.payee
    lines = list(project.budget_lines.all())
    cap = labor_cap(project, lines)
    fund_source = FUND_SOURCES.get(project.round.fund_source, "")
    funder = funder_name()
    signatures = [
        {"role": "甲方（盖章）", "name": funder, "signer": "法定代表人或授权代表（签字）"},
        {"role": "乙方（盖章）", "name": org.name, "signer": "法定代表人或授权代表（签字）"},
    ]
    if host:
        signatures.append({"role": "依托单位（盖章）", "name": host.name, "signer": "法定代表人或授权代表（签字）"})
    return {
        "title": "资助协议书",
        "round_name": project.round.name,
        "project_number": project.code or "",
        "funder": funder,
        "party_b": _party(org),
        "host": _party(host) if host else None,
        "payee": {"name": payee.name, "account_name": payee.bank_account_name, "bank": payee.bank_name,
                  "account_no": payee.bank_account_no, "bank_code": payee.bank_code},
        "project": {
            "title": project.title, "code": project.code or "", "round": project.round.name,
            "domain": document_domain_label(project.domain), "district": project.service_district,
            "street": project.service_street, "target_group": project.target_group,
            "beneficiaries": project.beneficiaries, "period_months": project.round.period_months,
            "summary": project.summary,
        },
        "fund_source": fund_source,
        "amount": {"figures": format_yuan(project.approved_amount), "upper": rmb_upper(project.approved_amount)},
        "budget": budget_rows(lines),
        "labor": {"paid": format_yuan(cap.paid), "limit": format_yuan(cap.shown), "basis": cap.basis,
                  "within": cap.within},
        "tranches": tranche_rows(project),
        "obligations": obligations(project, cap, fund_source=fund_source, host_name=host.name if host else None),
        "signatures": signatures,
        "signed": {"at": project.signed_at, "by": project.signed_by_name} if project.signed_at else None,
    }


def agreement_document(ctx: dict) -> Document:
    """The agreement's blocks from `agreement_context`: the one place its wording is written."""
    party_b, project, payee, budget = ctx["party_b"], ctx["project"], ctx["payee"], ctx["budget"]
    parties = [Field("甲方（资助方）", ctx["funder"]), Field("乙方（项目承接方）", f"{party_b['name']}（{party_b['type']}）")]
    if party_b["credit_code"]:
        parties.append(Field("统一社会信用代码", party_b["credit_code"]))
    if party_b["address"]:
        parties.append(Field("地址", party_b["address"]))
    parties.append(Field("联系人", f"{party_b['contact']} {party_b['phone']}"))
    if ctx["host"]:
        parties.append(Field("依托单位（收款单位）", f"{ctx['host']['name']}（统一社会信用代码：{ctx['host']['credit_code']}）"))
    basics = [Field("项目名称", project["title"]), Field("项目编号", project["code"]), Field("所属批次", project["round"])]
    if project["domain"]:
        basics.append(Field("服务领域", project["domain"]))
    beneficiaries = f"，受益人数 {project['beneficiaries']} 人" if project["beneficiaries"] else ""
    basics += [Field("服务地点", f"{project['district']}{project['street']}"),
               Field("服务对象", f"{project['target_group']}{beneficiaries}"),
               Field("项目周期", f"{project['period_months']} 个月"),
               # Line breaks as typed, CR LF as LF: the direct writer and WeasyPrint then break alike.
               Field("项目简介", project["summary"].replace("\r\n", "\n"), testid="summary", preserve=True)]
    bank_code = f"，联行号 {payee['bank_code']}" if payee["bank_code"] else ""
    head = lambda *texts, num=(): tuple(Cell(t, head=True, num=k in num, nowrap=True) for k, t in enumerate(texts))  # noqa: E731
    budget_rows = tuple((Cell(row["label"], nowrap=True), Cell(row["grant"], num=True), Cell(row["cofund"], num=True),
                         Cell(row["total"], num=True)) for row in budget["rows"])
    total = head("合计", budget["grant"], budget["cofund"], budget["total"], num=(1, 2, 3))
    tranches = tuple((Cell(str(t["seq"]), nowrap=True), Cell(t["name"]), Cell(t["percent"], num=True),
                      Cell(t["trigger"], nowrap=True), Cell(t["amount"], num=True), Cell(t["upper"], nowrap=True))
                     for t in ctx["tranches"])
    labor = ctx["labor"]
    blocks: list[Block] = [
        Title(ctx["title"]),
        Number(f"协议编号：{project['code']}"),
        Fields(tuple(parties)),
        Paragraph((Run(f"根据{ctx['round_name']}的评审和公示结果，甲方决定资助乙方实施下列项目。为明确双方的权利和义务，经协商一致，订立本协议。"),)),
        Heading("第一条　项目基本情况"),
        Fields(tuple(basics)),
        Heading("第二条　资助金额"),
        Paragraph((Run(f"甲方资助乙方{ctx['fund_source']}人民币（小写）"), Run(f"¥{ctx['amount']['figures']}", bold=True, testid="amount"),
                   Run(" 元， （大写）"), Run(ctx["amount"]["upper"], bold=True, testid="amount-upper"), Run("。"))),
        Paragraph((Run(f"资助资金拨入以下账户：户名 {payee['account_name'] or payee['name']}，开户行 {payee['bank']}，"
                       f"账号 {payee['account_no']}{bank_code}。"),)),
        Heading("第三条　预算摘要"),
        Table("budget", head("预算科目", "资助资金（元）", "配套资金（元）", "小计（元）", num=(1, 2, 3)), (*budget_rows, total)),
        Paragraph((Run(f"人员经费/劳务费（资助资金支付）{labor['paid']} 元，上限 {labor['limit']} 元（{labor['basis']}）。"),), note=True),
        Heading("第四条　分期拨付"),
        Table("tranches", head("期次", "名称", "比例", "拨付条件", "金额（元）", "大写", num=(2, 4)), tranches),
        Heading("第五条　乙方义务"),
        Clauses(tuple(ctx["obligations"])),
        Heading("第六条　其他"),
        Paragraph((Run("本协议一式三份，甲乙双方各执一份，报送备案一份，自双方签字盖章之日起生效。未尽事宜，由双方协商解决。"),)),
    ]
    if ctx["signed"]:
        at = ctx["signed"]["at"]
        at = timezone.localtime(at) if timezone.is_aware(at) else at  # as the template's date filter shows it
        blocks.append(Paragraph((Run(f"乙方已于 {dateformat.format(at, 'Y年n月j日 H:i')} 在线确认本协议，确认人：{ctx['signed']['by']}。"),),
                                note=True))
    blocks.append(Signatures(tuple(Signature(s["role"], s["name"], s["signer"]) for s in ctx["signatures"])))
    header = f"项目编号：{ctx['project_number']}" if ctx["project_number"] else ""
    return Document(f"{ctx['title']} {ctx['project_number']}", ctx["round_name"], header, tuple(blocks))


def render_agreement(project: Project) -> bytes:
    """Drawn directly (documents.flow): 0.058 s of CPU, half a bare one-page WeasyPrint page, where
    WeasyPrint took 0.316 s, 2.65× (bench/pdf_agreements.py 10, 2026-11-30); WeasyPrint still prints the
    agreements whose text needs it."""
    return flow.render(agreement_document(agreement_context(project)))
