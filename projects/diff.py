"""What changed between two submitted versions (the snapshots kept in the "submit" audit rows)."""
from dataclasses import dataclass, field

LISTS = ("budget", "milestones", "indicators")


@dataclass
class RowChange:
    kind: str  # "added" | "removed" | "changed"
    position: int
    old: dict | None
    new: dict | None
    keys: tuple[str, ...] = ()  # the columns that differ, for "changed"


@dataclass
class SnapshotDiff:
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (field, old, new)
    rows: dict[str, list[RowChange]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.fields and not any(self.rows.values())


def diff_snapshots(old: dict, new: dict) -> SnapshotDiff:
    """Fields compared by name; list rows compared by position, so an edited row shows as changed."""
    result = SnapshotDiff()
    for name in sorted((set(old) | set(new)) - set(LISTS)):
        before, after = str(old.get(name, "")), str(new.get(name, ""))
        if before != after:
            result.fields.append((name, before, after))
    for name in LISTS:
        before, after = old.get(name) or [], new.get(name) or []
        changes = []
        for position in range(max(len(before), len(after))):
            a = before[position] if position < len(before) else None
            b = after[position] if position < len(after) else None
            if a is None:
                changes.append(RowChange("added", position + 1, None, b))
            elif b is None:
                changes.append(RowChange("removed", position + 1, a, None))
            elif a != b:
                keys = tuple(k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k))
                changes.append(RowChange("changed", position + 1, a, b, keys))
        result.rows[name] = changes
    return result
