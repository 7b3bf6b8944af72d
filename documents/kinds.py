"""The kinds of background job, each with its label and the function that does the work.

Apps register their own kinds (large exports, imports, assignment runs) from their AppConfig.ready,
so the Job table needs no migration when a kind is added:

    from documents.kinds import register

    @register("finance_export", _("Disbursement list export"))
    def finance_export(run: JobRun) -> JobResult: ...
"""
from collections.abc import Callable
from dataclasses import dataclass

from documents.errors import DocumentsError


@dataclass(frozen=True)
class JobKind:
    code: str
    label: str
    run: Callable  # (documents.runs.JobRun) -> documents.runs.JobResult


KINDS: dict[str, JobKind] = {}


def register(code: str, label) -> Callable:
    def decorator(func: Callable) -> Callable:
        if code in KINDS and KINDS[code].run is not func:
            raise ValueError(f"job kind {code!r} is registered twice")
        KINDS[code] = JobKind(code, label, func)
        return func

    return decorator


def get_kind(code: str) -> JobKind:
    try:
        return KINDS[code]
    except KeyError:
        raise DocumentsError(f"未知的后台任务类型：{code}") from None


def label_for(code: str):
    kind = KINDS.get(code)
    return kind.label if kind else code
