"""Where uploaded and generated documents are stored: outside the web root, served only by views that
check permission.

Three aliases of Django's STORAGES setting (config/settings/base.py builds it):
- "protected": uploads (attachments, certificates, receipts, signed agreements);
- "results": generated files (job results, published PDFs), readable by the application user only;
- "default": anything else.
On one server they are folders under MEDIA_ROOT; with S3_BUCKET set they are prefixes in an
S3-compatible object store, so several web servers and workers see the same files.

Models refer to `protected` / `results` (callables, so migrations record no path). Each returns a
lazy proxy that looks the alias up on use, not at import: a test that overrides STORAGES or
MEDIA_ROOT then reaches its own storage."""
from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty


class _Alias(LazyObject):
    def __init__(self, alias: str):
        super().__init__()
        self.__dict__["_alias"] = alias

    def _setup(self) -> None:
        self._wrapped = storages[self.__dict__["_alias"]]

    def __reduce__(self):  # a FieldFile pickled in a session or cache refers to the alias, not a copy
        return (_Alias, (self.__dict__["_alias"],))


PROTECTED = _Alias("protected")
RESULTS = _Alias("results")


def protected() -> Storage:
    return PROTECTED  # type: ignore[return-value]  # a lazy proxy of the Storage


def results() -> Storage:
    return RESULTS  # type: ignore[return-value]


@receiver(setting_changed)
def _forget_on_settings_change(*, setting: str, **kwargs) -> None:
    # Django itself resets `storages` (and default_storage) when STORAGES changes; ours follow it.
    if setting in {"STORAGES", "MEDIA_ROOT"}:
        for alias in (PROTECTED, RESULTS):
            alias.__dict__["_wrapped"] = empty


def is_local(storage: Storage) -> bool:
    """True when files are on this server's disk (they have a path)."""
    try:
        storage.path("probe")
    except NotImplementedError:
        return False
    return True


def walk(storage: Storage, prefix: str = "") -> list[str]:
    """Every file name under `prefix`, sorted; works on disk and in an object store alike."""
    try:
        directories, files = storage.listdir(prefix)
    except FileNotFoundError:
        return []
    found = [f"{prefix}{name}" for name in files]
    for directory in directories:
        found.extend(walk(storage, f"{prefix}{directory}/"))
    return sorted(found)
