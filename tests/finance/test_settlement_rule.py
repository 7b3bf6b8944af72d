"""结项决算 as a pure rule (issue 12, finding 6), without the database."""
from decimal import Decimal

from finance.settlement import settle, split_reduction

D = Decimal


def test_the_final_tranche_pays_at_most_what_was_spent_beyond_what_was_paid():
    plan = settle(approved=D("100000"), reported=D("90000"), disbursed=D("80000"), final_scheduled=D("20000"),
                  reduces_final=True)
    assert (plan.unspent, plan.final_payable, plan.final_reduction, plan.clawback) == (
        D("10000"), D("10000"), D("10000"), D("0"))


def test_spending_below_what_was_paid_cancels_the_final_tranche_and_claws_back():
    plan = settle(approved=D("100000"), reported=D("35000"), disbursed=D("80000"), final_scheduled=D("20000"),
                  reduces_final=True)
    assert (plan.unspent, plan.final_payable, plan.clawback) == (D("65000"), D("0"), D("45000"))


def test_full_spending_pays_the_final_tranche_as_scheduled_and_overspending_is_the_organizations():
    plan = settle(approved=D("100000"), reported=D("120000"), disbursed=D("80000"), final_scheduled=D("20000"),
                  reduces_final=True)
    assert (plan.spent, plan.unspent, plan.final_payable, plan.clawback) == (D("100000"), D("0"), D("20000"), D("0"))


def test_a_round_that_does_not_reduce_pays_as_scheduled_and_only_claws_back_an_overpayment():
    kept = settle(approved=D("100000"), reported=D("90000"), disbursed=D("80000"), final_scheduled=D("20000"),
                  reduces_final=False)
    assert (kept.final_payable, kept.clawback) == (D("20000"), D("0"))
    over = settle(approved=D("100000"), reported=D("70000"), disbursed=D("80000"), final_scheduled=D("20000"),
                  reduces_final=False)
    assert (over.final_payable, over.clawback) == (D("20000"), D("10000"))


def test_exact_to_the_fen():
    plan = settle(approved=D("60000.00"), reported=D("59999.99"), disbursed=D("48000.00"),
                  final_scheduled=D("12000.00"), reduces_final=True)
    assert plan.final_payable == D("11999.99") and plan.unspent == D("0.01")


def test_a_reduction_cuts_the_last_tranches_first():
    assert split_reduction([D("10"), D("20")], D("15")) == [D("10"), D("5")]
    assert split_reduction([D("10"), D("20")], D("0")) == [D("0"), D("0")]
    assert split_reduction([D("10"), D("20")], D("30")) == [D("10"), D("20")]
