"""Possible conflicts as a pure rule (no database)."""
from reviewers.conflict_detection import ApplicantFacts, ExpertFacts, normalize, same_name, suggestions

SUN = ApplicantFacts(1, "温州市鹿城区阳光社会工作服务中心", "温州市鹿城区民政局", ("五马街道",))
OAK = ApplicantFacts(2, "橡树青少年发展中心", "", ("南汇街道", "滨江街道"))


def test_names_match_after_normalization_and_containment():
    assert normalize(" 阳光（温州）科技有限公司 ") == "阳光温州科技"
    assert same_name("温州市鹿城区阳光社会工作服务中心", "温州市鹿城区 阳光社会工作服务中心")
    assert same_name("阳光社会工作服务中心", "温州市鹿城区阳光社会工作服务中心")  # contained, long enough
    assert not same_name("阳光", "温州市鹿城区阳光社会工作服务中心")  # too short to mean anything
    assert not same_name("温州大学", "温州医科大学")


def test_each_basis_is_suggested_once_and_sorted():
    experts = [
        ExpertFacts(10, "温州市鹿城区阳光社会工作服务中心"),  # works there
        ExpertFacts(11, "温州市鹿城区民政局"),  # the applicant's supervising unit
        ExpertFacts(12, "鹿城区五马街道办事处"),  # the street the project serves
        ExpertFacts(13, "温州大学"),  # nothing
        ExpertFacts(14, ""),
    ]
    found = suggestions(experts, [SUN, OAK], earlier_reviews=[(13, 2), (13, 2), (14, 99)])
    assert [(s.expert_id, s.organization_id, s.basis) for s in found] == [
        (10, 1, "employer"), (11, 1, "host"), (12, 1, "street"), (13, 2, "earlier_review"),
    ]
    assert "五马街道" in found[2].detail


def test_street_of_another_project_does_not_count():
    assert suggestions([ExpertFacts(1, "滨江街道社区卫生服务中心")], [SUN]) == []
    assert [s.basis for s in suggestions([ExpertFacts(1, "滨江街道社区卫生服务中心")], [OAK])] == ["street"]


def test_ended_ties_are_suggested_for_the_officer_to_weigh():
    found = suggestions([], [SUN, OAK], former_relations=[(5, 1, "工作单位（2018-01-01 至 2020-06-30）"), (5, 77, "x")])
    assert [(s.expert_id, s.organization_id, s.basis) for s in found] == [(5, 1, "former_relation")]
