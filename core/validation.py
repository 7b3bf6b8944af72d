"""Django's field and model rules as a service reports them (every message, not the first exception),
and the one rule every single-line text shares: no control characters.

A title, a name or a budget item ends up in e-mail subjects, file names, spreadsheet cells and PDF
headings, where a CR or LF splits a header (Django refuses to send the mail) or a row. Tab is
allowed (pasted from a spreadsheet it is harmless and stripped by most displays); multi-line text
(TextField) keeps its newlines.
"""
import re

from django.core.exceptions import ValidationError
from django.db import models

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\u2028\u2029]")
SINGLE_LINE_MESSAGE = "不能包含换行或其他控制字符，请改为一行文字"


def control_characters(value) -> bool:
    return isinstance(value, str) and CONTROL_CHARACTERS.search(value) is not None


def validate_single_line(value) -> None:
    """A validator for forms and model fields of single-line text."""
    if control_characters(value):
        raise ValidationError(SINGLE_LINE_MESSAGE, code="control_characters")


def single_line_problems(obj, *, exclude: list[str] | None = None) -> list[str]:
    """'<field label>：…' for every CharField of `obj` holding a control character (TextFields may span lines)."""
    skip = set(exclude or ())
    problems = []
    for field in obj._meta.concrete_fields:
        if not isinstance(field, models.CharField) or field.name in skip:  # TextField is not a CharField
            continue
        if control_characters(getattr(obj, field.attname, None)):
            problems.append(f"{field.verbose_name}：{SINGLE_LINE_MESSAGE}")
    return problems


def model_problems(obj, *, exclude: list[str] | None = None) -> list[str]:
    """Every rule `obj` breaks (its full_clean: fields, clean(), unique constraints, and no control
    character in a single-line field); [] when it is valid."""
    problems = single_line_problems(obj, exclude=exclude)
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        return problems + exc.messages
    return problems
