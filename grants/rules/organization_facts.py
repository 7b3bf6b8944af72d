"""Facts about an organization that cannot be true: a registration date in the future, a name made of
pictures. Pure functions (rule texts in Chinese, policy language); the model's clean() and the change
requests (grants.organization_services) call them, so registration, the admin and an officer's
approval refuse the same things."""
import unicodedata
from datetime import date

from core.problems import Problem

# An organization's registered name is written in letters (汉字, Latin, digits) and ordinary
# punctuation. Pictographs (emoji, category So), private-use and unassigned code points, and invisible
# format characters (zero-width joiners, direction marks) never appear on a registration certificate.
_REFUSED_CATEGORIES = {"So", "Co", "Cn", "Cs", "Cf"}
MIN_LETTERS = 2


def name_problems(name: str | None) -> list[Problem]:
    text = (name or "").strip()
    if not text:
        return []  # "required" is the field's own message
    refused = sorted({ch for ch in text if unicodedata.category(ch) in _REFUSED_CATEGORIES})
    problems = []
    if refused:
        shown = "".join(ch for ch in refused if unicodedata.category(ch) in ("So", "Co"))
        problems.append(Problem(
            "organization.name_symbols",
            f"机构名称只能使用文字、数字和常用标点，不能包含表情符号或不可见字符{f'（{shown}）' if shown else ''}，"
            "请按登记证书填写",
            field="name",
        ))
    letters = sum(1 for ch in text if unicodedata.category(ch).startswith("L"))
    if letters < MIN_LETTERS:
        problems.append(Problem("organization.name_letters",
                                f"机构名称应为登记证书上的名称，至少包含{MIN_LETTERS}个文字", field="name"))
    return problems


def registration_date_problems(registered: date | None, today: date) -> list[Problem]:
    if registered is None:
        return []
    if registered > today:
        return [Problem("organization.registration_future",
                        f"登记日期 {registered:%Y-%m-%d} 晚于今天（{today:%Y-%m-%d}），请按登记证书填写",
                        field="registration_date")]
    if registered.year < 1949:
        return [Problem("organization.registration_past",
                        f"登记日期 {registered:%Y-%m-%d} 不可能是社会组织的登记日期，请按登记证书填写",
                        field="registration_date")]
    return []


def rating_expiry_problems(rating: int | None, valid_until: date | None, registered: date | None) -> list[Problem]:
    """A rating cannot expire before the organization was registered."""
    if rating and valid_until and registered and valid_until < registered:
        return [Problem("organization.rating_before_registration", "评估等级有效期不能早于机构登记日期",
                        field="rating_valid_until")]
    return []
