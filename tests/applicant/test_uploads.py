"""Uploads through the page: checked by content, size-limited, names cleaned, served only by the checked view."""
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.models import Attachment
from tests.builders import PDF

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _upload(c, project, name, data, kind="charter"):
    return c.post(reverse("applicant:attachments", args=[project.pk]),
                  {"kind": kind, "file": SimpleUploadedFile(name, data)}, follow=True)


def _errors(response) -> list[str]:
    return [str(m) for m in response.context["messages"] if m.level_tag == "error"]


def test_wrong_type_renamed_to_pdf_is_refused(world, client_for):
    project = world.draft()
    before = project.attachments.count()
    response = _upload(client_for(world.member), project, "章程.pdf", b"MZ\x90\x00 this is an exe renamed")
    assert any("该文件的内容不是这些格式之一" in e for e in _errors(response))
    assert project.attachments.count() == before


def test_html_renamed_to_pdf_is_refused(world, client_for):
    project = world.draft()
    response = _upload(client_for(world.member), project, "report.pdf", b"<html><script>alert(1)</script></html>")
    assert any("只接受 PDF、JPG、PNG、DOCX、XLSX" in e for e in _errors(response))


def test_oversize_is_refused(world, client_for, settings):
    settings.PROTECTED_UPLOAD_MAX_BYTES = 1024
    project = world.draft()
    before = project.attachments.count()
    response = _upload(client_for(world.member), project, "big.pdf", PDF + b"0" * 2048)
    assert any("文件过大" in e for e in _errors(response))
    assert project.attachments.count() == before


def test_path_like_names_are_cleaned_and_never_reach_the_disk(world, client_for, settings):
    project = world.draft()
    c = client_for(world.member)
    for name in ("../../etc/passwd.pdf", "..\\..\\windows\\证书.pdf", "a/b/<script>.pdf"):
        _upload(c, project, name, PDF)
    names = list(project.attachments.order_by("-id").values_list("original_name", "file")[:3])
    shown = {n for n, _ in names}
    assert shown == {"passwd.pdf", "证书.pdf", "script.pdf"}
    for _, stored in names:
        assert stored.startswith(f"attachments/{project.pk}/") and ".." not in stored and "." not in stored.rsplit("/", 1)[1]


def test_real_type_decides_the_extension(world, client_for):
    project = world.draft()
    _upload(client_for(world.member), project, "照片.pdf", PNG, kind="other")
    attachment = project.attachments.order_by("-id").first()
    assert attachment.original_name == "照片.png" and attachment.content_type == "image/png"


def test_download_is_an_attachment_with_rfc5987_name(world, client_for):
    project = world.draft()
    attachment = project.attachments.order_by("id").first()
    Attachment.objects.filter(pk=attachment.pk).update(original_name="登记 证书.pdf")
    response = client_for(world.member).get(reverse("applicant:file", args=[project.pk, attachment.pk]))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%E7%99%BB%E8%AE%B0%20%E8%AF%81%E4%B9%A6.pdf" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_media_is_not_served_from_a_public_url(world, client):
    project = world.draft()
    stored = project.attachments.first().file.name
    assert client.get("/media/" + stored).status_code == 404
    assert client.get("/static/../var/media/" + stored).status_code == 404


def test_remove_attachment_while_editable_only(world, client_for):
    project = world.draft()
    c = client_for(world.member)
    attachment = project.attachments.first()
    c.post(reverse("applicant:remove_attachment", args=[project.pk, attachment.pk]))
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert project.events.filter(action="attachment_removed").exists()
