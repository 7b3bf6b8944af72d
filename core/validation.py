"""Django's field and model rules as a service reports them: every message, not the first exception."""
from django.core.exceptions import ValidationError


def model_problems(obj, *, exclude: list[str] | None = None) -> list[str]:
    """Every rule `obj` breaks (its full_clean: fields, clean(), unique constraints); [] when it is valid."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        return exc.messages
    return []
