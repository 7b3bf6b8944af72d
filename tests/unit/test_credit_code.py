import pytest

from grants.rules.credit_code import check_char, errors, is_valid, normalize, registration_kind

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
    problems = errors("5242000OMJH23340IK")
    assert problems == [
        "统一社会信用代码含有非法字符：第8位「O」、第17位「I」（只能由数字和除 I、O、S、V、Z 以外的大写字母组成）"
    ]


def test_length_and_illegal_characters_together():
    problems = errors("52-420000")
    assert problems[0] == "统一社会信用代码应为18位，实际为9位"
    assert problems[1].startswith("统一社会信用代码含有非法字符：第3位「-」")
    assert len(problems) == 2


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
