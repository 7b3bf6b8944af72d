"""The zh_Hans catalog is complete and current: a fresh makemessages run over a copy of the
source finds no untranslated and no fuzzy entry."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["accounts", "core", "tools", "grants", "projects", "reviewers", "finance", "documents", "config", "templates", "static",
           "locale", "manage.py"]
PO = Path("locale/zh_Hans/LC_MESSAGES/django.po")


def test_catalog_complete_and_current(tmp_path):
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        elif src.exists():
            shutil.copy(src, tmp_path / name)
    run = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "-v", "0"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    stats = subprocess.run(
        ["msgfmt", "--statistics", "-o", "/dev/null", str(tmp_path / PO)], capture_output=True, text=True
    ).stderr
    assert not re.search(r"\d+ (fuzzy|untranslated)", stats), (
        f"{stats.strip()} — run `make messages` and translate the new entries in {PO}"
    )


def test_a_form_label_ends_in_a_chinese_colon():
    """Django's own Chinese catalog leaves its label suffix an ASCII colon ("创投批次:")."""
    from django import forms
    from django.utils import translation

    class Form(forms.Form):
        round = forms.CharField(label="创投批次")

    with translation.override("zh-hans"):
        assert "创投批次：</label>" in Form().as_p()
    with translation.override("en"):
        assert "创投批次:</label>" in Form().as_p()
