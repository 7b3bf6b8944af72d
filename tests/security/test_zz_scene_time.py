import time
import pytest
from tests.security.scene import build_scene

@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

def test_time(db):
    t=time.time()
    s = build_scene()
    print("scene", time.time()-t, s.job.state, s.batch.pk, s.clawback.amount)
