"""Per-round defaults taken from the seed policies (mostly Wenzhou's); every one is editable per round."""
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

DOMAINS = {
    "elderly": _("Elderly care"),
    "disability": _("Disability support"),
    "youth": _("Youth development"),
    "hardship": _("Hardship relief"),
    "community": _("Community governance"),
    "other": _("Other"),
}

FUND_SOURCES = {
    "welfare_lottery": _("Welfare lottery public-welfare fund"),
    "fiscal": _("Special fiscal fund"),
    "social": _("Social funds"),
}

ATTACHMENT_KINDS = {
    "registration_certificate": _("Registration certificate"),
    "charter": _("Charter"),
    "financial_report": _("Last year's financial or audit report"),
    "rating_certificate": _("Rating certificate"),
    "signed_agreement": _("Signed agreement scan"),
    "receipt": _("Receipt"),
    "other": _("Other"),
}

DEFAULT_REQUIRED_ATTACHMENTS = ["registration_certificate", "charter", "financial_report"]


def default_domains() -> list[str]:
    return list(DOMAINS)


def default_required_attachments() -> list[str]:
    return list(DEFAULT_REQUIRED_ATTACHMENTS)


def default_rubric() -> list[dict]:
    return [
        {"code": "need", "name": "需求分析", "max": "20", "weight": "1", "description": "服务对象需求是否真实、清晰，有调研依据"},
        {"code": "design", "name": "项目设计与可行性", "max": "25", "weight": "1", "description": "目标、活动与进度安排是否合理可行"},
        {"code": "team", "name": "团队能力", "max": "15", "weight": "1", "description": "执行团队的专业能力与既往经验"},
        {"code": "budget", "name": "预算合理性", "max": "20", "weight": "1", "description": "预算是否真实、必要，符合资金使用规定"},
        {"code": "impact", "name": "社会效益与可持续性", "max": "20", "weight": "1", "description": "预期成效与项目结束后的可持续性"},
    ]


def default_tranche_template() -> list[dict]:
    return [
        {"name": "首期", "percent": "40", "trigger": "signing"},
        {"name": "二期", "percent": "40", "trigger": "midterm_passed"},
        {"name": "尾款", "percent": "20", "trigger": "final_passed"},
    ]


def default_midterm_rubric() -> list[dict]:
    return [
        {"code": "implementation", "name": "项目实施", "max": "30"},
        {"code": "inputs", "name": "人力物资投入", "max": "20"},
        {"code": "finance", "name": "财务管理", "max": "25"},
        {"code": "outcomes", "name": "项目成效", "max": "25"},
    ]


def default_final_rubric() -> list[dict]:
    return [
        {"code": "indicators", "name": "指标完成情况", "max": "30"},
        {"code": "execution", "name": "预算执行率", "max": "20"},
        {"code": "compliance", "name": "支出合规性", "max": "20"},
        {"code": "satisfaction", "name": "受益人满意度", "max": "20"},
        {"code": "branding", "name": "福彩公益金资助标识使用", "max": "10"},
    ]


def default_grade_thresholds() -> dict:
    return {"excellent": "90", "good": "80", "pass": "60"}


DEFAULT_LABOR_CAP_PERCENT = Decimal("50")


# Uses the 福彩公益金 may not pay for (common rules of the seeds), each with the words that reveal it in a
# budget or spending line. A round copies this list and officers edit it. Keywords are chosen so that
# ordinary lines do not trip them: "购车" would catch 购车票, "还款" would catch 退还款项; "非营利" and
# the like are not hits (the rule ignores a keyword preceded by 非), nor is 现金流 (no keyword is
# plain 现金).
DEFAULT_FORBIDDEN_EXPENSES = [
    {"rule": "因公出国（境）", "keywords": ["因公出国", "出国", "出境", "境外考察", "出国考察"]},
    {"rule": "公务接待", "keywords": ["公务接待", "接待费", "接待餐", "宴请"]},
    {"rule": "公务用车", "keywords": ["公务用车", "购置车辆", "购买车辆", "车辆购置"]},
    {"rule": "楼堂馆所", "keywords": ["楼堂馆所", "基建", "装修办公楼"]},
    {"rule": "罚款、滞纳金", "keywords": ["罚款", "罚金", "滞纳金"]},
    {"rule": "偿还债务", "keywords": ["偿还债务", "归还借款", "偿还借款", "归还贷款", "偿还贷款", "还贷"]},
    {"rule": "对外投资", "keywords": ["对外投资", "理财产品", "购买理财", "股票", "基金申购"]},
    {"rule": "营利活动", "keywords": ["营利", "盈利活动", "经营性"]},
    {"rule": "向服务对象发放现金", "keywords": ["发放现金", "现金补贴", "慰问金（现金）", "现金慰问"]},
]


def default_forbidden_expenses() -> list[dict]:
    return [{"rule": r["rule"], "keywords": list(r["keywords"])} for r in DEFAULT_FORBIDDEN_EXPENSES]


# Project states (values of projects.states.State) in which an earlier project counts as unfinished
# business: from the funding decision until the project is completed or terminated.
DEFAULT_UNFINISHED_STATES = [
    "approved", "publicity", "objection", "contracted", "in_progress", "midterm_review", "final_review",
]
# Every value of projects.states.State: grants cannot import projects, so a round's unfinished_states
# are checked against this copy, and a test in tests/projects keeps it equal to the enum.
PROJECT_STATE_VALUES = (
    "draft", "submitted", "returned", "ineligible", "under_review", "reviewed", "approved", "waitlisted",
    "rejected", "publicity", "objection", "contracted", "in_progress", "midterm_review", "final_review",
    "completed", "terminated", "withdrawn",
)


def default_unfinished_states() -> list[str]:
    return list(DEFAULT_UNFINISHED_STATES)
