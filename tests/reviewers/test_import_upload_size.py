"""Issue 17: an import upload over the size cap is refused from its size, before it is read into
memory, with a Chinese message (the expert import and the bank's result file)."""
import pytest
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.urls import reverse

from reviewers.models import Expert

pytestmark = pytest.mark.django_db


class Reads(list):
    sent: list


@pytest.fixture
def reads(monkeypatch):
    """Every read() of a file the server received, with the size asked for (None: the whole file).
    (File.read is a property handing out the underlying file's read.)"""
    calls, sent = Reads(), []

    def read(self):
        def recorded(size=-1):
            if not any(self is mine for mine in sent):  # the test client reads what it sends
                calls.append(None if size is None or size < 0 else size)
            return self.file.read(size)
        return recorded

    monkeypatch.setattr(InMemoryUploadedFile, "read", property(read))
    calls.sent = sent
    return calls


def test_an_oversized_expert_import_is_refused_before_it_is_read(client, world, settings, reads):
    settings.SPREADSHEET_MAX_BYTES = 2048
    before = Expert.objects.count()
    client.force_login(world.officer)
    big = SimpleUploadedFile("experts.csv", ("姓名,手机\n" + "王芳,13800000000\n" * 400).encode(), "text/csv")
    reads.sent.append(big)
    response = client.post(reverse("reviewers:experts"), {"file": big}, follow=True)
    assert response.status_code == 200
    assert "文件超过 2 KB，请拆分后分批导入" in response.content.decode()
    assert None not in reads and all(size <= 2049 for size in reads)
    assert Expert.objects.count() == before


def test_a_small_expert_import_is_still_read(client, world, settings, reads):
    settings.SPREADSHEET_MAX_BYTES = 100_000
    client.force_login(world.officer)
    small = SimpleUploadedFile("experts.csv", "姓名,手机\n".encode(), "text/csv")
    reads.sent.append(small)
    client.post(reverse("reviewers:experts"), {"file": small})
    assert reads and None not in reads
