"""What history forbids, as a pure rule (grants.rules.round_changes): no database."""
from decimal import Decimal

from grants.rules.round_changes import Usage, new_question_refusal, question_refusals, refusals


def test_nothing_in_use_nothing_refused():
    assert refusals({"rubric", "tranche_template", "pot", "code", "domains"}, Usage(), new_pot=Decimal("1")) == []


def test_each_lock_names_its_reason():
    usage = Usage(applications=3, scores=2, agreements=1, midterm_evaluations=1, final_evaluations=1,
                  committed=Decimal("50000.00"), used_domains=frozenset({"elderly"}),
                  requested_min=Decimal("20000.00"), requested_max=Decimal("80000.00"))
    problems = refusals({"rubric", "tranche_template", "midterm_rubric", "grade_thresholds", "code", "pot",
                         "domains", "max_amount"}, usage, new_pot=Decimal("49999.99"), new_domains=["youth"],
                        domain_labels={"elderly": "为老服务"}, new_range=(Decimal("10000"), Decimal("60000")))
    assert len(problems) == 8
    assert "已有2份评分" in problems[0] and "已有1个项目签订资助协议" in problems[1]
    assert "49,999.99 元低于已承诺的资助金额 50,000.00 元" in problems[5]
    assert "80,000.00" in problems[6] and "为老服务" in problems[7]


def test_the_pot_may_equal_what_is_committed():
    assert refusals({"pot"}, Usage(committed=Decimal("50000.00")), new_pot=Decimal("50000.00")) == []


def test_questions_keep_their_meaning_once_answered():
    assert question_refusals(label="甲", answered=0, kind_changed=True, choices_removed=["是"], deleted=True) == []
    assert question_refusals(label="甲", answered=2, kind_changed=False, choices_removed=[], deleted=True) == [
        "问题「甲」已有2份申报书作答，不能删除"]
    assert len(question_refusals(label="甲", answered=2, kind_changed=True, choices_removed=["是"], deleted=False)) == 2
    assert new_question_refusal(label="乙", required=False, applications=5) is None
    assert "不能再增加必答问题" in new_question_refusal(label="乙", required=True, applications=5)
