"""What a browser posts from an admin change form: every field's current value, read from the page, so a
test changes only what it means to change (and adds inline rows) before posting it back."""
from html.parser import HTMLParser

from django.contrib.auth.models import Permission

from accounts.models import User
from tests.factories import UserFactory


class _Fields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if name and ("__prefix__" in name or "disabled" in a):
            name = None  # the inline row template, and what a browser does not send
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "image", "file") or (kind in ("checkbox", "radio") and "checked" not in a):
                return
            self.values.setdefault(name, []).append(a.get("value") or ("on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            value = self.values[self._textarea][-1]
            self.values[self._textarea][-1] = value[1:] if value.startswith("\n") else value
            self._textarea = None


def form_values(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    parser = _Fields()
    parser.feed(response.content.decode())
    return {k: v[0] if len(v) == 1 else v for k, v in parser.values.items()}


def add_inline_row(data: dict, prefix: str, **fields) -> None:
    """Appends one new row to the inline formset `prefix` (the management form's TOTAL_FORMS grows)."""
    n = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(n + 1)
    data[f"{prefix}-{n}-id"] = ""
    for name, value in fields.items():
        data[f"{prefix}-{n}-{name}"] = value


def inline_row(data: dict, prefix: str, pk: int) -> str:
    """The form prefix (`prefix-N`) of the existing inline row for object `pk`."""
    for key, value in data.items():
        if key.startswith(f"{prefix}-") and key.endswith("-id") and str(value) == str(pk):
            return key[: -len("-id")]
    raise KeyError(pk)


def superuser() -> User:
    return UserFactory(role="admin", is_staff=True, is_superuser=True)


def staff_with_model_permissions(role: str, *app_labels: str) -> User:
    """A staff account the admin lets in (every permission of the apps) whose role the services refuse."""
    user = UserFactory(role=role, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=app_labels))
    return user
