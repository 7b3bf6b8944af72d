"""Pausing Python's cyclic garbage collector around a step that allocates many objects at once.

A step that builds some hundred thousand small objects (a PDF render's boxes, an automatic
assignment run's seats) triggers a youngest-generation collection every 700 allocations; the objects
alive at those moments are promoted, so that every few such steps a full collection walks the whole
heap of the process (Django and everything loaded). Reference counting still frees what the step
drops; only reference cycles wait for the collector, which resumes when the step ends.

Counted across threads: the collector resumes when the last paused step of the process ends, and
only if it was on when the first one began."""
import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_running = 0  # paused steps running now in this process (threads)
_was_enabled = False


@contextlib.contextmanager
def paused(*, collect_young_after: bool = False) -> Iterator[None]:
    """No automatic cyclic collection while the block runs. With collect_young_after, one collection
    of the youngest generation when the collector resumes (a step that leaves cycles behind frees them
    at once, about 10 ms, instead of having them promoted)."""
    global _running, _was_enabled
    with _lock:
        if _running == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            resume = _running == 0 and _was_enabled
            if resume:
                gc.enable()
        if resume and collect_young_after:
            gc.collect(0)
