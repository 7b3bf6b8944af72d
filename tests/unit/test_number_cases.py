"""One rule for typed figures: the server (core.money) and the browser preview (static/js/numbers.js)
give the same answer on every case of tests/fixtures/number_cases.json."""
import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from core.money import MoneyError, money, parse_figure

ROOT = Path(__file__).resolve().parents[2]
CASES = json.loads((ROOT / "tests" / "fixtures" / "number_cases.json").read_text(encoding="utf-8"))["cases"]
PARSERS = {"money": money, "figure": parse_figure}

NODE_SCRIPT = """
const numbers = require(process.argv[1]);
const cases = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8")).cases;
const out = cases.map(c => { const v = numbers[c.kind](c.input); return v === null ? null : v.toString(); });
process.stdout.write(JSON.stringify(out));
"""


def server_hundredths(kind: str, raw: str) -> str | None:
    try:
        value = PARSERS[kind](raw)
    except MoneyError:
        return None
    return str(int(Decimal(value).scaleb(2)))


@pytest.mark.parametrize("case", CASES, ids=[f"{c['kind']}:{c['input']!r}" for c in CASES])
def test_server_rule(case):
    assert server_hundredths(case["kind"], case["input"]) == case["hundredths"]


def test_fixture_covers_the_reported_differences():
    inputs = {(c["kind"], c["input"]) for c in CASES}
    assert {("money", "10 000"), ("figure", "1,000"), ("figure", "1e12"), ("money", "１２３．４")} <= inputs


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed on this machine")
def test_browser_rule_gives_the_same_answers():
    result = subprocess.run(
        ["node", "-e", NODE_SCRIPT, str(ROOT / "static" / "js" / "numbers.js"),
         str(ROOT / "tests" / "fixtures" / "number_cases.json")],
        capture_output=True, text=True, timeout=60, check=True,
    )
    got = json.loads(result.stdout)
    mismatches = [(c["kind"], c["input"], c["hundredths"], g) for c, g in zip(CASES, got, strict=True)
                  if g != c["hundredths"]]
    assert mismatches == []
