"""Labels of project states for grants' pages (the round designer offers states by name). grants
cannot import projects, so projects.states registers its labels here when it is imported; this
module imports no models, so that registration is safe at any time."""
from grants.defaults import PROJECT_STATE_VALUES

# Filled by projects.states when it is imported.
_state_labels: dict = {}


def register_state_labels(labels: dict) -> None:
    _state_labels.update(labels)


def state_label(value: str) -> str:
    return str(_state_labels.get(value, value))


def state_choices() -> list[tuple[str, str]]:
    return [(value, state_label(value)) for value in PROJECT_STATE_VALUES]
