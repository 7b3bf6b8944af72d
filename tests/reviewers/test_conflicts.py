from datetime import date

from reviewers.conflicts import Relation, conflict_pairs, counts

TODAY = date(2026, 6, 15)


def test_open_and_current_relations_count():
    assert counts("employer", None, TODAY)
    assert counts("board", date(2026, 6, 15), TODAY)  # ends today: still counts
    assert not counts("advisor", date(2026, 6, 14), TODAY)
    assert not counts("relative", date(2020, 1, 1), TODAY)


def test_disputes_count_for_three_years_after_they_end():
    assert counts("dispute", None, TODAY)
    assert counts("dispute", date(2023, 6, 15), TODAY)
    assert not counts("dispute", date(2023, 6, 14), TODAY)


def test_pairs():
    relations = [
        Relation(1, 10, "employer", date(2019, 1, 1), None),
        Relation(2, 10, "employer", date(2010, 1, 1), date(2015, 1, 1)),
        Relation(3, 11, "dispute", None, date(2024, 1, 1)),
        Relation(4, 12, "declared", TODAY, None),
    ]
    assert conflict_pairs(relations, TODAY) == {(1, 10), (3, 11), (4, 12)}
