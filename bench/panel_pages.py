"""The officers' panel pages of the scale round (oral defense, fill-down, 评审汇总表) in-process, with
a floor measured in the same run: the officers' ranking, page 1 (reviewers.stored_ranking.page, 100
rows of the same stored ranking: what a bounded page of this data costs).

Run (on a copy of the scale database, after `manage.py migrate`):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<copy> .venv/bin/python bench/panel_pages.py [code dir]
`code dir` (default: this checkout) is the working directory and first on sys.path, so the same
script times another checkout's code (e.g. /work/main before a change). Prints, best of 5 after one warm-up: wall time, CPU
time of this process (the database's is not in it), queries, and CPU as a multiple of the floor's.
"""
import os
import sys
import time
from pathlib import Path

CODE = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CODE))
os.chdir(CODE)  # the settings put the working directory first on sys.path (config/settings/base.py)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ["DEBUG"] = "0"
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("REQUIRE_SECOND_FACTOR", "0")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from tools import scale_data  # noqa: E402

RUNS = 5


def measure(client, url):
    client.get(url)
    walls, cpus = [], []
    for _ in range(RUNS):
        wall, cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        assert response.status_code == 200, (url, response.status_code)
    return min(walls), min(cpus), len(queries)


def main():
    round = scale_data.existing_round()
    client = Client()
    client.force_login(User.objects.get(username=scale_data.USER_PREFIX + "officer"))
    print(f"code: {CODE}; round {round.pk}: {round.projects.count()} projects")
    base = f"/review/rounds/{round.pk}"
    pages = [("floor: ranking, page 1", f"{base}/ranking/"), ("oral defense", f"{base}/defense/"),
             ("oral defense, page 10", f"{base}/defense/?page=10"), ("fill-down", f"{base}/filldown/"),
             ("review summary", f"{base}/summary/")]
    floor = None
    for name, url in pages:
        wall, cpu, queries = measure(client, url)
        floor = floor or cpu
        print(f"{name:24} wall {wall * 1000:7.0f} ms  cpu {cpu * 1000:7.0f} ms  {queries:3d} queries  "
              f"cpu ×{cpu / floor:5.1f} floor", flush=True)


if __name__ == "__main__":
    main()
