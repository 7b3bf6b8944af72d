"""When a job's runner is provably gone, another worker takes the job over at once instead of waiting out
the lease: a killed runner that nobody has reaped (a zombie) counts as gone. In CI the container's first
process does not reap orphans, and the real-worker test waited 120 s for a dead worker's lease."""
import socket
import subprocess
import sys
import time

import pytest

from documents.worker import holder_gone

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def test_a_running_process_holds_its_job_and_a_killed_one_does_not_even_unreaped():
    proc = subprocess.Popen(["sleep", "30"])
    claimed_by = f"{socket.gethostname()}:{proc.pid}"
    try:
        assert holder_gone(claimed_by) is False
        proc.kill()
        deadline = time.monotonic() + 10
        while not holder_gone(claimed_by) and time.monotonic() < deadline:  # not waited for: a zombie
            time.sleep(0.05)
        assert holder_gone(claimed_by) is True
    finally:
        proc.wait()
    assert holder_gone(claimed_by) is True


def test_another_host_or_a_strange_name_never_counts_as_gone():
    assert holder_gone("elsewhere:1") is False
    assert holder_gone(f"{socket.gethostname()}:not-a-pid") is False
