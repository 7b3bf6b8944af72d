"""Possible conflicts between experts and a round's applicants, found from what the pool and the
register already hold, as a pure rule. Each is only a suggestion: an officer confirms or dismisses it.

- employer: the expert's employer is the applicant, by name after normalization (spaces, brackets and
  legal suffixes ignored; one name containing the other counts when the shorter has 4+ characters);
- host: the expert's employer is the applicant's supervising unit (业务主管单位);
- street: the expert's employer names the 街道 (or 镇/乡) the project serves, e.g. a 街道办 official
  reviewing a project for their own street;
- earlier_review: the expert scored this applicant's proposal in an earlier round;
- former_relation: a recorded tie that has ended and so no longer counts by itself (a former
  employer, a past board seat), for the officer to weigh.

Shared board members are not detected: the register holds no board lists (ExpertRelation BOARD
rows recorded by hand already count as conflicts).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

MIN_CONTAINED = 4
_NOISE = re.compile(r"[\s·•\-—_（）()【】\[\]「」“”\"'，,。.]")
_SUFFIXES = ("有限责任公司", "有限公司", "股份公司", "公司")
_STREET = re.compile(r"[\u4e00-\u9fff]{1,8}(?:街道|镇|乡)")


class ExpertFacts(NamedTuple):
    id: int
    employer: str


class ApplicantFacts(NamedTuple):
    organization_id: int
    name: str
    host_name: str
    streets: tuple[str, ...]  # the service streets of its projects in the round


class Suggestion(NamedTuple):
    expert_id: int
    organization_id: int
    basis: str
    detail: str


def normalize(name: str) -> str:
    text = _NOISE.sub("", name or "")
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    return text


def same_name(a: str, b: str) -> bool:
    """Equal after normalization, or one contains the other and the shorter is specific enough."""
    x, y = normalize(a), normalize(b)
    if not x or not y:
        return False
    if x == y:
        return True
    short, long = sorted((x, y), key=len)
    return len(short) >= MIN_CONTAINED and short in long


def is_street(name: str) -> bool:
    """A named 街道, 镇 or 乡 ("五马街道"), not the bare word."""
    return bool(_STREET.fullmatch(name))


def suggestions(
    experts: Iterable[ExpertFacts],
    applicants: Iterable[ApplicantFacts],
    earlier_reviews: Iterable[tuple[int, int]] = (),
    former_relations: Iterable[tuple[int, int, str]] = (),
) -> list[Suggestion]:
    """Every (expert, applicant, basis) worth an officer's look, sorted; `earlier_reviews` holds
    (expert id, organization id) pairs of submitted reviews in other rounds, `former_relations`
    (expert id, organization id, description) of ties that have ended."""
    applicants = list(applicants)
    found: set[Suggestion] = set()
    for expert in experts:
        employer = (expert.employer or "").strip()
        bare_employer = normalize(employer)
        for a in applicants:
            if employer and same_name(employer, a.name):
                found.add(Suggestion(expert.id, a.organization_id, "employer", f"工作单位：{employer}"))
            if employer and a.host_name and same_name(employer, a.host_name):
                found.add(Suggestion(expert.id, a.organization_id, "host",
                                     f"工作单位：{employer}；业务主管单位：{a.host_name}"))
            shared = {normalize(st) for st in a.streets if is_street(normalize(st)) and normalize(st) in bare_employer}
            if shared:
                found.add(Suggestion(expert.id, a.organization_id, "street",
                                     f"工作单位：{employer}；服务街道：{'、'.join(sorted(shared))}"))
    by_org = {a.organization_id for a in applicants}
    for expert_id, org_id in set(earlier_reviews):
        if org_id in by_org:
            found.add(Suggestion(expert_id, org_id, "earlier_review", "曾在以往批次评审该机构的项目"))
    for expert_id, org_id, description in former_relations:
        if org_id in by_org:
            found.add(Suggestion(expert_id, org_id, "former_relation", description))
    return sorted(found)
