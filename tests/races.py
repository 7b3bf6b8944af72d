"""Helpers for the PostgreSQL race tests: several threads, each on its own connection, released together."""
import threading
import time

from django.db import connection


def race(calls, *, join_timeout: float = 60) -> list:
    """Runs the calls in parallel threads released together; returns each one's result or exception."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            outcomes[index] = exc
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=join_timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    return outcomes


def slowed(function, seconds: float):
    """Holds the row lock a little longer, so every other thread surely arrives and waits on it."""
    def wrapper(*args, **kwargs):
        time.sleep(seconds)
        return function(*args, **kwargs)

    return wrapper
