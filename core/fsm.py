"""A small state-machine engine: a machine is declared once, as data, and everything else is derived
from that declaration: the django-fsm methods of the model, who may pull which lever, the actions a
page offers, admin buttons, timeline labels and the drawing of the graph.

A transition row names its guard and its effect. A guard returns every reason the transition cannot
happen now (a list of core.problems.Problem, empty when it may); an effect changes the object
before it is saved. Both take (obj, step), `step` carrying who acts, with which parameters and when.
They may be given as callables or as names looked up in the machine's `guards` / `effects` module
on first use: the table sits below the model (django-fsm needs the methods when the model class is
built) while guards and effects query the models, and naming them, as Django names a model in
ForeignKey("app.Model"), keeps the import graph a tree.

Knows no app.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.module_loading import import_string
from django_fsm import transition as fsm_transition

from core.problems import Problem

Guard = Callable[[Any, "Step"], list[Problem]]
Effect = Callable[[Any, "Step"], None]
Permission = Callable[[Any, Any, "Transition"], bool]


@dataclass(frozen=True, init=False)
class Transition:
    """One row of a machine's table."""

    name: str
    source: tuple[str, ...]
    target: str
    label: Any  # what staff see (buttons, messages, the audit trail)
    roles: frozenset[str]  # who may pull it; the machine's `permission` reads them
    applicant_label: Any  # what the other party sees (timeline, notifications); "" for the label
    comment_required: bool
    guard: str | Guard | None
    effect: str | Effect | None
    inputs: tuple[str, ...]  # what a form collects: "comment", "amount", "signer_name"…
    manual: bool  # False: follows from another act (recorded scores, a payment), never a button

    def __init__(self, name: str, source: str | Iterable[str], target: str, label: Any,
                 roles: Iterable[str] = (), *, applicant_label: Any = "", comment_required: bool = False,
                 guard: str | Guard | None = None, effect: str | Effect | None = None,
                 inputs: Iterable[str] = (), manual: bool = True):
        values = {
            "name": name, "source": (source,) if isinstance(source, str) else tuple(source), "target": target,
            "label": label, "roles": frozenset(roles), "applicant_label": applicant_label,
            "comment_required": comment_required, "guard": guard, "effect": effect, "inputs": tuple(inputs),
            "manual": manual,
        }
        for key, value in values.items():
            object.__setattr__(self, key, value)

    @property
    def public_label(self) -> str:
        return self.applicant_label or self.label


@dataclass
class Step:
    """One pull of one lever: what guards and effects are told."""

    obj: Any
    transition: Transition
    actor: Any = None
    params: Mapping[str, Any] = field(default_factory=dict)
    comment: str = ""
    now: datetime = field(default_factory=timezone.now)
    data: dict = field(default_factory=dict)  # details for the audit row; effects may add to them
    machine: Machine | None = None

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)


class Machine:
    def __init__(
        self,
        *,
        name: str,
        field: str,
        states: Iterable[tuple[str, Any]],
        transitions: Iterable[Transition],
        groups: Mapping[str, Iterable[str]] | None = None,
        permission: Permission | None = None,
        guards: str = "",
        effects: str = "",
    ):
        self.name = name
        self.field = field
        self.state_labels: dict[str, Any] = {str(value): label for value, label in states}
        self.transitions: tuple[Transition, ...] = tuple(transitions)
        self.groups: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in (groups or {}).items()}
        self.permission = permission
        self._modules = {"guard": guards, "effect": effects}
        self._resolved: dict[tuple[str, str], Callable] = {}
        self._by_name = {t.name: t for t in self.transitions}
        self._validate()

    def _validate(self) -> None:
        problems = []
        if len(self._by_name) != len(self.transitions):
            problems.append("duplicate transition names")
        for t in self.transitions:
            for state in (*t.source, t.target):
                if state not in self.state_labels:
                    problems.append(f"{t.name}: unknown state {state!r}")
            if not t.label:
                problems.append(f"{t.name}: no label")
            if t.name == self.field or t.name.startswith("_"):
                problems.append(f"{t.name}: not a usable method name")
        for group, members in self.groups.items():
            unknown = members - set(self.state_labels)
            if unknown:
                problems.append(f"group {group}: unknown states {sorted(unknown)}")
        if problems:
            raise ValueError(f"machine {self.name}: " + "; ".join(problems))

    # ------------------------------------------------------------ the table

    def __iter__(self) -> Iterator[Transition]:
        return iter(self.transitions)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.transitions]

    @property
    def states(self) -> list[str]:
        return list(self.state_labels)

    def get(self, name: str) -> Transition:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"machine {self.name} has no transition {name!r}") from None

    def from_state(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.source]

    def group(self, name: str) -> frozenset[str]:
        return self.groups[name]

    def label_of(self, state: str) -> Any:
        return self.state_labels.get(state, state)

    # ------------------------------------------------------------ who may do what, now

    def state_of(self, obj: Any) -> str:
        return getattr(obj, self.field)

    def allowed(self, obj: Any, user: Any, transition: Transition) -> bool:
        """May `user` pull `transition` on `obj`, state aside? Without a permission rule: anyone."""
        return self.permission is None or bool(self.permission(obj, user, transition))

    def available(self, obj: Any, user: Any, permission: Permission | None = None) -> list[Transition]:
        """The transitions leaving obj's state that `user` may pull, in table order. Guards are not
        run here: some need what the form will collect; ask `problems` for those that do not."""
        check = permission or self.allowed
        return [t for t in self.from_state(self.state_of(obj)) if check(obj, user, t)]

    def problems(self, obj: Any, step: Step) -> list[Problem]:
        guard = self.guard_of(step.transition)
        return list(guard(obj, step)) if guard else []

    def guard_of(self, transition: Transition) -> Guard | None:
        return self._callable("guard", transition.guard)

    def effect_of(self, transition: Transition) -> Effect | None:
        return self._callable("effect", transition.effect)

    def _callable(self, kind: str, ref: str | Callable | None) -> Callable | None:
        if ref is None or callable(ref):
            return ref
        key = (kind, ref)
        if key not in self._resolved:
            module = self._modules[kind]
            if not module:
                raise LookupError(f"machine {self.name}: {kind} {ref!r} named but no {kind}s module given")
            self._resolved[key] = import_string(f"{module}.{ref}")
        return self._resolved[key]

    # ------------------------------------------------------------ derived artefacts

    def edges(self) -> list[tuple[str, str, str]]:
        """(source, transition, target) for every arrow, in table order."""
        return [(source, t.name, t.target) for t in self.transitions for source in t.source]

    def to_dot(self) -> str:
        lines = [f"digraph {self.name} {{"]
        lines += [f'  {source} -> {target} [label="{name}"];' for source, name, target in self.edges()]
        lines.append("}")
        return "\n".join(lines) + "\n"

    def model_mixin(self) -> type:
        """A class of django-fsm transition methods, one per row, to put among a model's bases:
        django-fsm collects them when the model class is prepared. Each method only moves the state;
        guards and effects run in the service that calls it."""
        attrs: dict[str, Any] = {"__doc__": f"Transitions of the {self.name} machine (core.fsm).",
                                 "__module__": __name__}
        for t in self.transitions:
            attrs[t.name] = self._fsm_method(t)
        return type(f"{self.name.title().replace('_', '')}Transitions", (), attrs)

    def _fsm_method(self, t: Transition) -> Callable:
        def change(instance) -> None:
            """Moves the state only; see the machine's table."""

        change.__name__ = change.__qualname__ = t.name
        permission = None
        if self.permission is not None:
            def permission(instance, user, _t=t) -> bool:
                return self.allowed(instance, user, _t)
        return fsm_transition(field=self.field, source=list(t.source), target=t.target, permission=permission,
                              custom={"label": t.label, "machine": self.name})(change)
