"""Blind review as a pure rule: which names identify an applicant, and their redaction from text.

The names are the organization's registered name, its name without brackets or legal suffix, its
bank account name and a short form: the name with the district prefix and the generic tail (服务中心,
社会工作服务中心, 协会…) removed, when what remains still has 4+ characters (shorter stems such as
"阳光" would also blank ordinary words). Longer names are replaced first so a short form never
leaves half of a full name behind.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from reviewers.conflict_detection import normalize

REDACTED = "＊＊机构"
MIN_SHORT_FORM = 4
_TAILS = (
    "社会工作服务中心", "社工服务中心", "公益服务中心", "志愿服务中心", "服务中心", "发展中心", "促进会",
    "志愿者协会", "协会", "服务社", "工作室", "基金会", "研究院", "中心", "社",
)
_PLACE = re.compile(r"^[\u4e00-\u9fff]{1,4}?(?:省|市|区|县)")


def identifying_names(name: str, *, extra: Iterable[str] = ()) -> list[str]:
    """Every form of the applicant's name worth redacting, longest first."""
    forms: set[str] = set()
    for raw in (name, *extra):
        raw = (raw or "").strip()
        if not raw:
            continue
        forms.add(raw)
        stems = [normalize(raw)]
        for _ in range(3):  # "温州市鹿城区" → "鹿城区" → ""
            shorter = _PLACE.sub("", stems[-1], count=1)
            if shorter == stems[-1]:
                break
            stems.append(shorter)
        for stem in stems:
            forms.add(stem)
            for tail in _TAILS:
                if stem.endswith(tail):
                    forms.add(stem[: -len(tail)])
                    break
    full = (name or "").strip()
    # A stem that is only a generic word ("服务中心") would blank ordinary text: never a name form.
    return sorted((f for f in forms if f == full or (len(f) >= MIN_SHORT_FORM and f not in _TAILS)),
                  key=lambda f: (-len(f), f))


def redact(text: str, names: Iterable[str]) -> str:
    if not text:
        return text
    names = [n for n in names if n]
    if not names:
        return text
    pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))
    return pattern.sub(REDACTED, text)


def mentions(text: str, names: Iterable[str]) -> bool:
    return any(n and n in (text or "") for n in names)
