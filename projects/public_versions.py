"""What the public sees of a round, cached: the 公示 list, the open-data downloads.

Each round has a version token. Every cached public figure of a round is stored under a key that
names the token, so changing the token (`bump`) makes every web process miss its old copies at once:
the token is read from the database on each request (one query by primary key), not from the
process's own memory. `projects.public_receivers` bumps it whenever something the public pages show
changes: a publication, a project entering, moving in or leaving a public state, a corrected notice
date, a renamed organization or round. The token is random, so a restored database or a reused id
never meets an old copy. Imported at the end of projects.models so Django finds the model."""
import hashlib
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

# How long a cached copy may live at most, even if nothing bumps its round: a missed bump (a write
# no receiver sees) shows within this time.
TIMEOUT = 15 * 60


class PublicVersion(models.Model):
    round = models.OneToOneField("grants.GrantRound", on_delete=models.CASCADE, primary_key=True, related_name="+")
    token = models.CharField(_("version token"), max_length=32)

    class Meta:
        verbose_name = _("public version")
        verbose_name_plural = _("public versions")

    def __str__(self) -> str:
        return f"{self.round_id}:{self.token}"


def _new() -> str:
    return uuid.uuid4().hex


def token(round_id: int) -> str:
    """The round's current token (one query; two the first time a round is read)."""
    found = PublicVersion.objects.filter(round_id=round_id).values_list("token", flat=True).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return PublicVersion.objects.create(round_id=round_id, token=_new()).token
    except IntegrityError:  # another request created it first
        return PublicVersion.objects.values_list("token", flat=True).get(round_id=round_id)


def all_token() -> str:
    """A token for figures over every round (the open-data download without ?round=)."""
    rows = PublicVersion.objects.order_by("round_id").values_list("round_id", "token")
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()[:32]


_deferred = threading.local()
_listeners: list[Callable[[set[int]], None]] = []


def on_bump(listener: Callable[[set[int]], None]) -> None:
    """`listener(round_ids)` runs in the transaction of every bump (the stored open-data files are
    outdated with the cache: projects.open_data_files)."""
    if listener not in _listeners:
        _listeners.append(listener)


@contextmanager
def one_bump_per_round() -> Iterator[None]:
    """Inside the block, bumps are collected and each round is bumped once when the block ends (in the
    caller's transaction): publishing 8,300 projects rewrote the same row 8,300 times. A bump collected
    in a savepoint that was rolled back still happens, which only costs the cache one extra miss."""
    if getattr(_deferred, "ids", None) is not None:  # nested: the outer block bumps
        yield
        return
    _deferred.ids = set()
    try:
        yield
        ids = _deferred.ids
    finally:
        _deferred.ids = None
    bump(ids)


def bump(round_ids: Iterable[int]) -> None:
    """Gives each round a new token, in the caller's transaction (a rollback keeps the old one)."""
    collecting = getattr(_deferred, "ids", None)
    if collecting is not None:
        collecting.update(round_ids)
        return
    ids = set(round_ids)
    for listener in _listeners:
        listener(ids)
    for round_id in ids:
        updated = PublicVersion.objects.filter(round_id=round_id).update(token=_new())
        if not updated:
            try:
                with transaction.atomic():
                    PublicVersion.objects.create(round_id=round_id, token=_new())
            except IntegrityError:
                PublicVersion.objects.filter(round_id=round_id).update(token=_new())


def cached(key: str, build: Callable[[], Any], timeout: int = TIMEOUT) -> Any:
    """`build()` once per key; the key must name the round's token (see `token`)."""
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout)
    return value
