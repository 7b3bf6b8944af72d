"""Which forms of an applicant's name a blind round hides, and their redaction (no database)."""
from reviewers.blind import REDACTED, identifying_names, redact


def test_short_forms_are_derived_and_generic_words_are_not():
    names = identifying_names("温州市鹿城区阳光社会工作服务中心")
    assert names[0] == "温州市鹿城区阳光社会工作服务中心"
    assert {"鹿城区阳光社会工作服务中心", "阳光社会工作服务中心", "鹿城区阳光"} <= set(names)
    assert "服务中心" not in names and "阳光" not in names  # too generic or too short to blank safely
    assert "和睦社区" in identifying_names("和睦社区服务中心")


def test_redaction_replaces_every_form_longest_first():
    names = identifying_names("温州市鹿城区阳光社会工作服务中心")
    text = "温州市鹿城区阳光社会工作服务中心成立于2015年。阳光社会工作服务中心的社工……鹿城区阳光团队"
    assert redact(text, names) == f"{REDACTED}成立于2015年。{REDACTED}的社工……{REDACTED}团队"
    assert redact("为老服务中心", names) == "为老服务中心"
    assert redact("原文", []) == "原文"
