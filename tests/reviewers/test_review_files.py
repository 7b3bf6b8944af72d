"""Cleaning the files an expert reads in a blind round (no HTTP): metadata goes, content stays."""
import io
import zipfile

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, TextStringObject

from reviewers.review_files import _cleaned, neutral_name, text_of
from tests.reviewers.pdfs import pdf_with

NAME = "温州市鹿城区阳光社会工作服务中心"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _with_annotation_and_xmp(data: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    note = DictionaryObject({NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Text"),
                             NameObject("/T"): TextStringObject(NAME), NameObject("/Contents"): TextStringObject("批注")})
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(note)])
    writer.add_metadata({"/Author": NAME, "/Subject": f"{NAME}申报"})
    xmp = DecodedStreamObject()
    xmp.set_data(f'<x:xmpmeta><dc:creator>{NAME}</dc:creator></x:xmpmeta>'.encode())
    xmp[NameObject("/Type")] = NameObject("/Metadata")
    xmp[NameObject("/Subtype")] = NameObject("/XML")
    writer._root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_loses_document_info_and_annotations_but_keeps_its_pages():
    original = _with_annotation_and_xmp(pdf_with(title=NAME, author=NAME, body="项目方案与预算说明"))
    assert NAME in str(PdfReader(io.BytesIO(original)).metadata) and NAME.encode() in original  # info and XMP
    cleaned = _cleaned(original, "application/pdf")
    reader = PdfReader(io.BytesIO(cleaned))
    assert not reader.metadata
    assert "/Annots" not in reader.pages[0]
    assert "项目方案与预算说明" in reader.pages[0].extract_text()
    assert NAME.encode("utf-16-be") not in cleaned and NAME.encode() not in cleaned


def test_office_file_gets_empty_properties_and_its_text_is_read():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("docProps/core.xml", f"<cp:coreProperties><dc:creator>{NAME}</dc:creator></cp:coreProperties>")
        z.writestr("docProps/app.xml", f"<Properties><Company>{NAME}</Company></Properties>")
        z.writestr("word/document.xml", "<w:document><w:body><w:t>项目方案</w:t></w:body></w:document>")
    cleaned = _cleaned(out.getvalue(), DOCX)
    with zipfile.ZipFile(io.BytesIO(cleaned)) as z:
        assert NAME not in z.read("docProps/core.xml").decode() + z.read("docProps/app.xml").decode()
        assert z.read("word/document.xml") == "<w:document><w:body><w:t>项目方案</w:t></w:body></w:document>".encode()
    assert "项目方案" in text_of(cleaned, DOCX)


class _File:
    def __init__(self, kind, original_name):
        self.kind, self.original_name = kind, original_name


def test_neutral_names_keep_only_the_number_kind_and_extension():
    assert neutral_name(1, _File("other", f"{NAME}-申报书.PDF")) == "附件1-申报材料.pdf"
    assert neutral_name(3, _File("charter", "章程")) == "附件3-章程"
