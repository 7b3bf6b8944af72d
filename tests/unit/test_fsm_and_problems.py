"""The state-machine engine (core.fsm) and structured problems (core.problems), without a database."""
from datetime import date
from decimal import Decimal

import pytest

from core.errors import DomainError
from core.fsm import Machine, Step, Transition
from core.problems import Problem, as_problems, messages
from grants.rules.budget import DEFAULT_CAPS, BudgetLine, ForbiddenUse, budget_issues, budget_problems
from grants.rules.eligibility import EligibilityPolicy, OrganizationFacts, eligibility_issues, eligibility_reasons

STATES = [("draft", "草稿"), ("sent", "已发出"), ("read", "已读"), ("binned", "已删除")]


class Letter:
    def __init__(self, state: str, owner: str = "amy"):
        self.state, self.owner = state, owner


def letters(**kwargs) -> Machine:
    return Machine(
        name="letter", field="state", states=STATES,
        permission=lambda letter, user, t: user == letter.owner or user in t.roles,
        transitions=[
            Transition("send", "draft", "sent", "发出", {"clerk"}, guard=lambda obj, step: (
                [] if step.get("to") else [Problem("letter.to", "请填写收件人", field="to")])),
            Transition("read", "sent", "read", "阅读", {"reader"}, applicant_label="对方已读"),
            Transition("bin", ("draft", "sent", "read"), "binned", "删除", {"clerk"}, comment_required=True,
                       effect=lambda obj, step: step.data.update(why=step.comment)),
        ],
        groups={"alive": {"draft", "sent", "read"}},
        **kwargs,
    )


def test_the_table_answers_questions_about_itself():
    m = letters()
    assert m.names == ["send", "read", "bin"]
    assert [t.name for t in m.from_state("sent")] == ["read", "bin"]
    assert m.get("read").public_label == "对方已读" and m.get("send").public_label == "发出"
    assert m.group("alive") == {"draft", "sent", "read"}
    assert "send" in m and "post" not in m
    with pytest.raises(KeyError):
        m.get("post")


def test_edges_and_dot_follow_table_order():
    assert letters().edges() == [("draft", "send", "sent"), ("sent", "read", "read"), ("draft", "bin", "binned"),
                                 ("sent", "bin", "binned"), ("read", "bin", "binned")]
    assert letters().to_dot().splitlines()[:2] == ["digraph letter {", '  draft -> sent [label="send"];']


def test_available_asks_the_permission_rule():
    m = letters()
    assert [t.name for t in m.available(Letter("sent"), "reader")] == ["read"]
    assert [t.name for t in m.available(Letter("sent"), "amy")] == ["read", "bin"]
    assert m.available(Letter("binned"), "amy") == []
    assert [t.name for t in m.available(Letter("sent"), "nobody", permission=lambda o, u, t: True)] == ["read", "bin"]


def test_guards_and_effects_get_the_step():
    m = letters()
    letter = Letter("draft")
    step = Step(obj=letter, transition=m.get("send"), params={})
    assert m.problems(letter, step) == [Problem("letter.to", "请填写收件人", field="to")]
    assert m.problems(letter, Step(obj=letter, transition=m.get("send"), params={"to": "bob"})) == []
    binning = Step(obj=letter, transition=m.get("bin"), comment="写错了")
    m.effect_of(m.get("bin"))(letter, binning)
    assert binning.data == {"why": "写错了"}


def test_guards_named_by_string_resolve_in_the_machine_module():
    m = Machine(name="x", field="state", states=STATES, guards="core.problems", effects="core.problems",
                transitions=[Transition("send", "draft", "sent", "发出", guard="messages", effect="as_problems")])
    assert m.guard_of(m.get("send")) is messages and m.effect_of(m.get("send")) is as_problems
    unnamed = Machine(name="y", field="state", states=STATES,
                      transitions=[Transition("send", "draft", "sent", "发出", guard="messages")])
    with pytest.raises(LookupError):
        unnamed.guard_of(unnamed.get("send"))


@pytest.mark.parametrize("rows, complaint", [
    ([Transition("send", "draft", "lost", "发出")], "unknown state"),
    ([Transition("send", "draft", "sent", "")], "no label"),
    ([Transition("send", "draft", "sent", "a"), Transition("send", "sent", "read", "b")], "duplicate"),
    ([Transition("state", "draft", "sent", "a")], "not a usable method name"),
])
def test_a_broken_table_is_refused_when_declared(rows, complaint):
    with pytest.raises(ValueError, match=complaint):
        Machine(name="bad", field="state", states=STATES, transitions=rows)


def test_the_generated_methods_carry_django_fsm_metadata():
    mixin = letters().model_mixin()
    meta = mixin.bin._django_fsm
    assert {(t.source, t.target) for t in meta.transitions.values()} == {
        ("draft", "binned"), ("sent", "binned"), ("read", "binned")}
    perm = next(iter(meta.transitions.values()))
    assert perm.has_perm(Letter("draft"), "clerk") and not perm.has_perm(Letter("draft"), "reader")
    assert perm.custom["label"] == "删除"


# ---------------------------------------------------------------- problems

def test_domain_error_accepts_problems_strings_and_both():
    e = DomainError([Problem("x.y", "第一"), "第二"])
    assert (e.message, e.errors) == ("第一；第二", ["第一", "第二"])
    assert [p.code for p in e.problems] == ["x.y", ""]
    single = DomainError(Problem("x.z", "唯一", "budget", "budget-lines"))
    assert (single.message, single.errors, single.problems[0].field) == ("唯一", ["唯一"], "budget-lines")
    assert DomainError("总述", errors=["甲", "乙"]).message == "总述"


def test_budget_rules_give_codes_and_the_same_messages_as_before():
    lines = [BudgetLine("labor", "劳务", Decimal("60000"), "grant"), BudgetLine("other", "公务接待", Decimal("1"), "grant")]
    forbidden = (ForbiddenUse("公务接待", ("公务接待",)),)
    issues = budget_issues(lines, caps=DEFAULT_CAPS, grant_amount=Decimal("100000"), forbidden=forbidden)
    assert [p.code for p in issues] == ["budget.forbidden_use", "budget.grant_total", "budget.cap"]
    assert messages(issues) == budget_problems(lines, caps=DEFAULT_CAPS, grant_amount=Decimal("100000"),
                                               forbidden=forbidden)


def test_eligibility_rules_give_codes_and_the_same_messages_as_before():
    facts = OrganizationFacts(name="机构", registration_date=date(2026, 1, 1), rating=None, rating_valid_until=None,
                              other_applications_in_round=1, government_funded=True)
    issues = eligibility_issues(facts, EligibilityPolicy(), date(2026, 6, 1))
    assert [p.code for p in issues] == ["eligibility.registration", "eligibility.max_applications",
                                        "eligibility.government_funded"]
    assert messages(issues) == eligibility_reasons(facts, EligibilityPolicy(), date(2026, 6, 1))
