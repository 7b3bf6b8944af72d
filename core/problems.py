"""One reason a rule says no, with the place in a form that fixes it.

Rules return every problem at once; views place each by its `section` and `field` (never by reading
the message), and DomainError carries them so a refused service call reports them all.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    code: str  # stable, for code and tests: "budget.cap", "eligibility.credit", …
    message: str  # Chinese, shown as is
    section: str = ""  # the form section that fixes it ("" when none does)
    field: str = ""  # element id within that section's page ("" for the section as a whole)

    def __str__(self) -> str:
        return self.message


def as_problems(items: Iterable[Problem | str], *, code: str = "") -> list[Problem]:
    """Problems from a mix of problems and plain messages (older rules, other apps' errors)."""
    return [item if isinstance(item, Problem) else Problem(code, str(item)) for item in items]


def messages(problems: Iterable[Problem | str]) -> list[str]:
    return [p.message if isinstance(p, Problem) else str(p) for p in problems]
