import http.server
import threading
from decimal import Decimal

import pytest

from projects.states import State


@pytest.fixture(autouse=True)
def media_in_tmp(request, settings, tmp_path):
    """A media root per test, except where a real worker (another process) must see the files."""
    if request.node.get_closest_marker("redis") is None:
        settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def big_world(db):
    """A round whose pot holds many projects, for batches."""
    from tests.builders import World

    return World(pot=Decimal("50000000.00"))


def approved_projects(world, count: int, state=State.PUBLICITY, amount: str = "30000.00") -> list:
    projects = []
    for _ in range(count):
        org, member = world.new_org()
        draft = world.draft(org, member, grant_total=amount, labor="10000.00")
        projects.append(world.advance(draft, state))
    return projects


@pytest.fixture
def agreement_project(world):
    """In 公示 with 86,420.50 approved: 捌万陆仟肆佰贰拾元零伍角."""
    draft = world.draft(grant_total="86420.50", labor="40000.00")
    return world.advance(draft, State.PUBLICITY)


class _Recorder(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.server.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback_server():
    """An HTTP server on 127.0.0.1 that records every request it receives."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
