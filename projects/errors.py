from core.errors import DomainError


class ProjectError(DomainError):
    """A project action was refused; the message says why, in Chinese."""


class EditConflict(ProjectError):
    """A save started from an older edit version changed what someone else changed meanwhile. Nothing
    was written; `conflicts` shows both texts of every such part, `version` is the current one."""

    def __init__(self, conflicts, version: int):
        self.conflicts = list(conflicts)
        self.version = version
        super().__init__([f"「{c.label}」已被他人（或另一个窗口）修改，请选择保留哪一份" for c in self.conflicts])
