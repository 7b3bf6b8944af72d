import pytest

from core.problems import Problem
from grants.rules.credit_code import (
    AUTHORITIES,
    check_char,
    describe,
    errors,
    is_valid,
    normalize,
    org_type_mismatch,
    problems,
    registration_kind,
)

VALID = ["91350200776049653A", "53420000MJH2448303", "52420000MJH233402K"]
INVALID = "51420000MJH2003664"


@pytest.mark.parametrize("code", VALID)
def test_valid_examples(code):
    assert errors(code) == []
    assert is_valid(code)
    assert check_char(code[:17]) == code[17]


def test_invalid_example_names_expected_check_char():
    assert not is_valid(INVALID)
    assert errors(INVALID) == ["统一社会信用代码校验位应为「N」，实际为「4」，请核对是否填错"]


def test_normalize_strips_whitespace_and_uppercases():
    assert normalize(" 5242 0000mjh 233402k\t") == "52420000MJH233402K"
    assert normalize("5342\u30000000MJH2448303") == "53420000MJH2448303"  # full-width space
    assert normalize(None) == ""
    assert is_valid(" 52420000mjh233402k ")


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_empty(raw):
    assert errors(raw) == ["统一社会信用代码不能为空"]


def test_wrong_length():
    assert errors("5242000MJH233402K") == ["统一社会信用代码应为18位，实际为17位"]
    assert errors("52420000MJH233402KK") == ["统一社会信用代码应为18位，实际为19位"]


def test_illegal_characters_named_with_position():
    found = errors("5242000OMJH23340IK")
    assert found[0] == (
        "统一社会信用代码含有非法字符：第8位「O」、第17位「I」（只能由数字和除 I、O、S、V、Z 以外的大写字母组成）"
    )
    # the O also sits in the division code, which says so in its own words
    assert found[1] == "统一社会信用代码第3–8位「42000O」应为6位数字的登记管理机关行政区划码"
    assert len(found) == 2


def test_length_and_illegal_characters_together():
    found = errors("52#420000")
    assert found[0] == "统一社会信用代码应为18位，实际为9位"
    assert found[1].startswith("统一社会信用代码含有非法字符：第3位「#」")
    assert len(found) == 2  # the division is not judged: the missing characters may have shifted it


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_each_excluded_letter_rejected(letter):
    code = "52420000MJH23340" + letter + "K"
    assert any(f"第17位「{letter}」" in p for p in errors(code))


def test_check_char_maps_31_to_zero():
    # any 17 characters whose weighted sum is a multiple of 31 must give "0"
    assert check_char("0" * 17) == "0"


def test_check_char_rejects_bad_input():
    with pytest.raises(ValueError):
        check_char("123")
    with pytest.raises(ValueError):
        check_char("5242000OMJH233402")


def test_single_character_change_detected():
    code = VALID[1]
    for i in range(17):
        replacement = "1" if code[i] != "1" else "2"
        assert not is_valid(code[:i] + replacement + code[i + 1 :])


@pytest.mark.parametrize(
    "code, kind",
    [
        ("51420000MJH2003664", "social_group"),
        ("52420000MJH233402K", "social_service"),
        ("53420000MJH2448303", "foundation"),
        ("59420000MJH2448303", None),
        ("91350200776049653A", None),
        ("5", None),
        ("", None),
        (" 52 420000mjh233402k", "social_service"),
    ],
)
def test_registration_kind(code, kind):
    assert registration_kind(code) == kind


class TestNormalization:
    @pytest.mark.parametrize("raw", [
        "５２４２００００ＭＪＨ２３３４０２Ｋ",  # full-width digits and letters
        "５２４２００００ｍｊｈ２３３４０２ｋ",
        "5242\u30000000\u3000MJH\u3000233402K",  # full-width spaces
        "52-420000-MJH233402-K",
        "52－420000－MJH233402－K",  # full-width hyphen
        "52\u2014420000\u2013MJH233402K",  # em and en dashes
        "\u00a052420000MJH233402K\t",
    ])
    def test_pasted_and_full_width_forms(self, raw):
        assert normalize(raw) == "52420000MJH233402K"
        assert problems(raw) == []


class TestAuthorityAndCategory:
    def test_54_is_not_a_civil_affairs_category(self):
        body = "54420000MJH244830"
        found = problems(body + check_char(body))
        assert [p.code for p in found] == ["credit_code.category"]
        assert found[0].message == (
            "统一社会信用代码第2位「4」不是民政部门的机构类别代码（民政部门的机构类别为 1 社会团体、2 民办非企业单位、3 基金会、9 其他）"
        )

    def test_b_is_not_an_authority(self):
        body = "B1420000MJH244830"
        found = problems(body + check_char(body))
        assert [p.code for p in found] == ["credit_code.authority"]
        assert found[0].message.startswith("统一社会信用代码第1位「B」不是登记管理部门代码（应为 1 机构编制、2 外交")
        assert "Y 其他" in found[0].message

    @pytest.mark.parametrize("prefix", [
        "11", "12", "13", "19", "21", "29", "31", "35", "39", "41", "49", "51", "52", "53", "59", "61", "62", "69",
        "71", "72", "79", "81", "89", "91", "92", "93", "A1", "A9", "N1", "N2", "N3", "N9", "Y1",
    ])
    def test_every_pair_in_the_table_passes(self, prefix):
        body = prefix + "330300MJ0000001"
        assert problems(body + check_char(body)) == []

    @pytest.mark.parametrize("prefix", ["10", "14", "22", "36", "42", "55", "63", "73", "82", "94", "99", "A2", "N4", "Y9"])
    def test_pairs_outside_the_table_fail(self, prefix):
        body = prefix + "330300MJ0000001"
        assert [p.code for p in problems(body + check_char(body))] == ["credit_code.category"]

    def test_table_has_the_authorities_of_the_standard(self):
        assert set(AUTHORITIES) == set("123456789ANY")
        assert AUTHORITIES["5"][1] == {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}


class TestDivision:
    @pytest.mark.parametrize("division", ["330300", "330302", "420000", "110101", "650000", "710000", "810000",
                                          "820000", "100000"])
    def test_real_divisions_pass(self, division):
        body = "51" + division + "MJ0000001"
        assert problems(body + check_char(body)) == []

    @pytest.mark.parametrize("division", ["000000", "990000", "200000", "700000", "101010", "390100"])
    def test_unknown_divisions_fail(self, division):
        body = "51" + division + "MJ0000001"
        found = problems(body + check_char(body))
        assert [p.code for p in found] == ["credit_code.division"]
        assert found[0].message.startswith(f"统一社会信用代码第3–8位「{division}」不是有效的行政区划码")

    def test_letters_in_the_division_fail(self):
        body = "51ABCDEFMJ0000001"
        found = problems(body + check_char(body))
        assert [p.message for p in found] == ["统一社会信用代码第3–8位「ABCDEF」应为6位数字的登记管理机关行政区划码"]


class TestEveryProblemAtOnce:
    def test_authority_division_and_check_char_together(self):
        found = problems("B1000000MJH244830Y")
        assert [p.code for p in found] == ["credit_code.authority", "credit_code.division", "credit_code.check_char"]
        assert all(isinstance(p, Problem) and p.field == "credit_code" for p in found)

    def test_field_can_be_named(self):
        assert problems("", field="host_credit_code")[0].field == "host_credit_code"

    def test_errors_are_the_messages(self):
        assert errors("B1000000MJH244830Y") == [p.message for p in problems("B1000000MJH244830Y")]


class TestDescribe:
    @pytest.mark.parametrize("code, words", [
        ("51420000MJH2003664", "民政部门登记的社会团体"),
        ("52420000MJH233402K", "民政部门登记的民办非企业单位"),
        ("91350200776049653A", "工商部门登记的企业"),
        ("59420000", "民政部门登记的其他类别机构"),
        ("B1", None),
        ("54", None),
        ("", None),
    ])
    def test_words(self, code, words):
        assert describe(code) == words


class TestOrgTypeMismatch:
    @pytest.mark.parametrize("org_type, code", [
        ("social_group", "51420000MJH2003664"),
        ("social_service", "52420000MJH233402K"),
        ("foundation", "53420000MJH2448303"),
        ("community", "59330300MJ0000001"),
        ("community", ""),
        ("community", None),
    ])
    def test_agreeing(self, org_type, code):
        assert org_type_mismatch(org_type, code) is None

    def test_wrong_civil_affairs_category(self):
        problem = org_type_mismatch("foundation", "52420000MJH233402K")
        assert problem.code == "credit_code.org_type" and problem.field == "credit_code"
        assert problem.message == (
            "信用代码第1–2位「52」表示民政部门登记的民办非企业单位，与所选类型「基金会」不一致（基金会的信用代码以「53」开头），"
            "请将类型选为「社会服务机构（民办非企业单位）」或核对信用代码"
        )

    def test_an_enterprise_code_is_not_a_social_organization(self):
        problem = org_type_mismatch("social_service", "91350200776049653A")
        assert problem.message == (
            "信用代码第1–2位「91」表示工商部门登记的企业，与所选类型「社会服务机构（民办非企业单位）」不一致"
            "（社会服务机构（民办非企业单位）的信用代码以「52」开头），请核对信用代码"
        )

    def test_civil_affairs_other_is_not_a_registered_type(self):
        problem = org_type_mismatch("social_group", "59330300MJ0000001")
        assert "民政部门登记的其他类别机构" in problem.message and "「51」开头" in problem.message

    def test_a_community_organization_with_a_registered_code(self):
        problem = org_type_mismatch("community", "53420000MJH2448303")
        assert problem.message == (
            "信用代码第1–2位「53」表示民政部门登记的基金会；备案社区社会组织未经登记，一般没有统一社会信用代码。"
            "如本机构已登记，请将类型选为「基金会」"
        )

    def test_unreadable_codes_are_left_to_problems(self):
        assert org_type_mismatch("social_group", "B1420000MJH2448303") is None
        assert org_type_mismatch("social_group", "5") is None
        assert org_type_mismatch("", "51420000MJH2003664") is None

    def test_full_width_input_is_read(self):
        assert org_type_mismatch("social_group", "５１４２００００ＭＪＨ２００３６６４") is None
