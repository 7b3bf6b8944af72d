"""统一社会信用代码 checks, by GB 32100-2015《法人和其他组织统一社会信用代码编码规则》.

The code identifies the applicant and the payee on bank lists, so typos must be caught at entry
with a message that says exactly which part is wrong. Its parts:

- position 1, 登记管理部门代码, and position 2, 机构类别代码 under that authority: the standard's
  table as extended after 2015 (AUTHORITIES below): 1 机构编制 (1 机关, 2 事业单位, 3 中央编办直接
  管理机构编制的群众团体, 9 其他); 2 外交; 3 司法行政; 4 文化; 5 民政 (1 社会团体, 2 民办非企业单位,
  3 基金会, 9 其他); 6 旅游; 7 宗教; 8 工会; 9 工商 (1 企业, 2 个体工商户, 3 农民专业合作社);
  A 中央军委改革和编制办公室; N 农业; Y 其他 (category always 1);
- positions 3–8, 登记管理机关行政区划码: a GB/T 2260 division code (100000 for national
  registrations). Only its province prefix is checked here: the full division list changes every
  year and a code keeps the division it was issued under;
- positions 9–17, 主体标识码 (组织机构代码), and position 18, the check character.

Input is normalized first: full-width letters and digits (NFKC), spaces of any width and
hyphens/dashes, which people paste from certificates or type with a Chinese input method, are not
part of the code.
"""
from __future__ import annotations

import re
import unicodedata

from core.problems import Problem

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18
_VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
_EXCLUDED = "IOSVZ"

FIELD = "credit_code"

#: 登记管理部门代码 → (部门, {机构类别代码: 机构类别}).
AUTHORITIES: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": ("司法行政", {"1": "律师执业机构", "2": "公证处", "3": "基层法律服务所", "4": "司法鉴定机构",
                   "5": "仲裁委员会", "9": "其他"}),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": ("旅游", {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"}),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}

#: GB/T 2260 province-level codes: 31 provinces, autonomous regions and municipalities, 台湾, 香港, 澳门.
PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43",
    "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82",
})
NATIONAL_DIVISION = "100000"

# Position 1 = "5" is a civil-affairs registration; position 2 says which kind (Organization.org_type values).
_KINDS = {"1": "social_group", "2": "social_service", "3": "foundation"}
_KIND_LABELS = {
    "social_group": "社会团体",
    "social_service": "社会服务机构（民办非企业单位）",
    "foundation": "基金会",
    "community": "备案社区社会组织",
}
_KIND_PREFIX = {kind: "5" + digit for digit, kind in _KINDS.items()}

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")


def normalize(raw: str | None) -> str:
    """The code as issued: full-width forms folded (NFKC), spaces and dashes dropped, upper case."""
    text = unicodedata.normalize("NFKC", raw or "")
    return _SEPARATORS.sub("", text).upper()


def check_char(first17: str) -> str:
    """The 18th character for the given first 17 (already normalized)."""
    if len(first17) != LENGTH - 1 or any(ch not in _VALUES for ch in first17):
        raise ValueError(f"需要17位合法字符才能计算校验位：「{first17}」")
    total = sum(_VALUES[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def _listing(table: dict[str, str]) -> str:
    return "、".join(f"{code} {name}" for code, name in table.items())


def _authority_problems(code: str, field: str) -> list[Problem]:
    authority = AUTHORITIES.get(code[0])
    if authority is None:
        listing = _listing({key: name for key, (name, _) in AUTHORITIES.items()})
        return [Problem("credit_code.authority",
                        f"统一社会信用代码第1位「{code[0]}」不是登记管理部门代码（应为 {listing} 之一）", field=field)]
    name, categories = authority
    if len(code) >= 2 and code[1] not in categories:
        return [Problem("credit_code.category",
                        f"统一社会信用代码第2位「{code[1]}」不是{name}部门的机构类别代码"
                        f"（{name}部门的机构类别为 {_listing(categories)}）", field=field)]
    return []


def _division_problems(code: str, field: str) -> list[Problem]:
    division = code[2:8]
    if not re.fullmatch(r"[0-9]{6}", division):
        return [Problem("credit_code.division",
                        f"统一社会信用代码第3–8位「{division}」应为6位数字的登记管理机关行政区划码", field=field)]
    if division == NATIONAL_DIVISION:
        return []
    if division == "000000" or division[:2] not in PROVINCES:
        return [Problem("credit_code.division",
                        f"统一社会信用代码第3–8位「{division}」不是有效的行政区划码"
                        f"（前两位应为省级行政区代码，如 33 浙江；全国性登记为 {NATIONAL_DIVISION}）", field=field)]
    return []


def problems(raw: str | None, *, field: str = FIELD) -> list[Problem]:
    """Every problem with the code at once, each naming the offending position.

    Positions 1–2 are checked whatever the length (a code missing a character usually still starts
    right); the division only at the full length, where a missing or extra character cannot have
    shifted it; the check character only once all 18 characters are legal.
    """
    code = normalize(raw)
    if not code:
        return [Problem("credit_code.empty", "统一社会信用代码不能为空", field=field)]
    found: list[Problem] = []
    if len(code) != LENGTH:
        found.append(Problem("credit_code.length", f"统一社会信用代码应为18位，实际为{len(code)}位", field=field))
    bad = [f"第{i}位「{ch}」" for i, ch in enumerate(code, start=1) if ch not in _VALUES]
    if bad:
        found.append(Problem(
            "credit_code.characters",
            f"统一社会信用代码含有非法字符：{'、'.join(bad)}（只能由数字和除 {'、'.join(_EXCLUDED)} 以外的大写字母组成）",
            field=field,
        ))
    found += _authority_problems(code, field)
    if len(code) == LENGTH:
        found += _division_problems(code, field)
    if len(code) == LENGTH and all(ch in _VALUES for ch in code):
        expected = check_char(code[:17])
        if code[17] != expected:
            found.append(Problem(
                "credit_code.check_char",
                f"统一社会信用代码校验位应为「{expected}」，实际为「{code[17]}」，请核对是否填错",
                field=field,
            ))
    return found


def errors(raw: str | None) -> list[str]:
    """The messages of problems(): what form and model validators show."""
    return [p.message for p in problems(raw)]


def is_valid(raw: str | None) -> bool:
    return not problems(raw)


def registration_kind(code: str | None) -> str | None:
    """social_group / social_service / foundation for civil-affairs codes, else None.

    Reads positions only; callers validate the code separately.
    """
    code = normalize(code)
    if len(code) < 2 or code[0] != "5":
        return None
    return _KINDS.get(code[1])


def describe(code: str | None) -> str | None:
    """What positions 1–2 say, in words: "民政部门登记的社会团体"; None when they are not in the table."""
    code = normalize(code)
    authority = AUTHORITIES.get(code[:1])
    if authority is None or len(code) < 2 or code[1] not in authority[1]:
        return None
    name, categories = authority
    category = categories[code[1]]
    return f"{name}部门登记的{category}" if category != "其他" else f"{name}部门登记的其他类别机构"


def org_type_mismatch(org_type: str | None, raw: str | None, *, field: str = FIELD) -> Problem | None:
    """Why the code's positions 1–2 contradict the organization type chosen (an Organization.org_type
    value), or None when they agree or the code is too broken to say (problems() reports that).

    社会团体, 社会服务机构 and 基金会 are registered by 民政 under category 1, 2 and 3. A 备案社区社会组织
    is filed, not registered, and usually has no code: a code showing a registered 社会组织 means the
    organization chose the wrong type.
    """
    code = normalize(raw)
    described = describe(code)
    if not org_type or described is None:
        return None
    chosen = _KIND_LABELS.get(org_type)
    if chosen is None:
        return None
    actual_kind = registration_kind(code)
    if org_type == "community":
        if actual_kind is None:
            return None
        return Problem(
            "credit_code.org_type",
            f"信用代码第1–2位「{code[:2]}」表示{described}；备案社区社会组织未经登记，一般没有统一社会信用代码。"
            f"如本机构已登记，请将类型选为「{_KIND_LABELS[actual_kind]}」",
            field=field,
        )
    if actual_kind == org_type:
        return None
    expected_prefix = _KIND_PREFIX[org_type]
    suggestion = f"，请将类型选为「{_KIND_LABELS[actual_kind]}」或核对信用代码" if actual_kind else "，请核对信用代码"
    return Problem(
        "credit_code.org_type",
        f"信用代码第1–2位「{code[:2]}」表示{described}，与所选类型「{chosen}」不一致"
        f"（{chosen}的信用代码以「{expected_prefix}」开头）{suggestion}",
        field=field,
    )
