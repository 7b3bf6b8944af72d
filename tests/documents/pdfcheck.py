"""Looking at a PDF the way a person would: its text layer (pdftotext) and its pixels (pdftoppm); and the
way a viewer would: its object syntax, where actions (/OpenAction, /JS, …) would have to be."""
import re
import subprocess
import tempfile
import zlib
from pathlib import Path


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def pdf_objects(pdf: bytes) -> bytes:
    """The object syntax, object streams unpacked; other streams (fonts, page content) are left out: their
    compressed bytes spell any token by chance and hold no objects."""
    parts, pos = [], 0
    for stream in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        head = pdf[pos:stream.start()]
        parts.append(head)
        if b"/ObjStm" in head[head.rfind(b" obj"):]:
            parts.append(zlib.decompressobj().decompress(stream.group(1)))
        pos = stream.end()
    parts.append(pdf[pos:])
    return b"".join(parts)


def pdf_pixels(pdf: bytes, *, dpi: int = 60) -> bytes:
    """Every page in grey (pdftoppm's PGM stream): equal bytes, equal looks."""
    return subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), "-"], input=pdf, capture_output=True, check=True).stdout


def page_count(pdf: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def _read_pgm(data: bytes) -> tuple[int, int, bytes]:
    """Binary PGM (P5): header tokens magic, width, height, maxval, then one byte per pixel."""
    tokens, pos = [], 0
    while len(tokens) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        tokens.append(data[pos:end])
        pos = end
    assert tokens[0] == b"P5", tokens[0]
    width, height = int(tokens[1]), int(tokens[2])
    pixels = data[pos + 1:pos + 1 + width * height]
    assert len(pixels) == width * height
    return width, height, pixels


def ink_ratios(pdf: bytes, *, dpi: int = 40) -> list[float]:
    """Share of non-white pixels on each page, rendered in grey by pdftoppm."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "doc.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), str(source), str(Path(tmp) / "page")], check=True)
        ratios = []
        for page in sorted(Path(tmp).glob("page*.pgm")):
            width, height, pixels = _read_pgm(page.read_bytes())
            ratios.append(sum(1 for p in pixels if p < 200) / (width * height))
        return ratios


def to_png(pdf: bytes, out_prefix: Path, *, dpi: int = 70) -> list[Path]:
    out_prefix.parent.mkdir(parents=True, exist_ok=True)
    source = out_prefix.with_suffix(".pdf")
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(source), str(out_prefix)], check=True)
    return sorted(out_prefix.parent.glob(out_prefix.name + "*.png"))
