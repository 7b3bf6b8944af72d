"""What a bank batch-transfer file may contain, and the generic layout used when no bank is chosen."""
from __future__ import annotations

# source → (description, cell kind). Kinds decide how a cell is written: text stays text
# (account numbers), money is a number with exactly two decimals.
SOURCES: dict[str, tuple[str, str]] = {
    "seq": ("序号", "int"),
    "reference": ("业务参考号", "text"),
    "account_name": ("收款人户名", "text"),
    "account_no": ("收款人账号", "text"),
    "bank_name": ("收款人开户行", "text"),
    "bank_code": ("收款行联行号", "text"),
    "amount": ("金额", "money"),
    "amount_upper": ("金额大写", "text"),
    "purpose": ("用途", "text"),
    "project_code": ("项目编号", "text"),
    "credit_code": ("统一社会信用代码", "text"),
    "batch_number": ("批次号", "text"),
    "currency": ("币种", "text"),
}

GENERIC_COLUMNS: list[dict] = [
    {"header": "序号", "source": "seq"},
    {"header": "收款人账号", "source": "account_no"},
    {"header": "收款人户名", "source": "account_name"},
    {"header": "收款人开户行", "source": "bank_name"},
    {"header": "收款行联行号", "source": "bank_code"},
    {"header": "金额", "source": "amount"},
    {"header": "币种", "source": "currency"},
    {"header": "用途", "source": "purpose"},
    {"header": "业务参考号", "source": "reference"},
]


def column_errors(columns: object) -> list[str]:
    """Every problem with a configured column list; a bank file needs at least account, name, amount."""
    if not isinstance(columns, list) or not columns:
        return ["列配置不能为空，应为 [{\"header\": \"列名\", \"source\": \"数据项\"}, …]"]
    problems = []
    sources = []
    for index, column in enumerate(columns, start=1):
        if not isinstance(column, dict):
            problems.append(f"第{index}列格式不正确")
            continue
        header = column.get("header")
        if not isinstance(header, str) or not header.strip():
            problems.append(f"第{index}列缺少列名")
        source = column.get("source")
        if source not in SOURCES:
            problems.append(f"第{index}列数据项「{source}」无效，可选：{'、'.join(SOURCES)}")
        sources.append(source)
    for required in ("account_no", "account_name", "amount"):
        if required not in sources:
            problems.append(f"缺少必需的数据项「{required}」（{SOURCES[required][0]}）")
    return problems
