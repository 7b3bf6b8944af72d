"""Print fonts: the installed Noto CJK SC faces cut down to GB2312 (plus Latin and punctuation), built once.

Why: WeasyPrint subsets every embedded face per document, and a full Noto CJK face has 65,000 glyphs;
with the glyph ids kept, that subset and its compression were half of an agreement's write time
(bench/pdf_agreements.py). The same faces with the 7,800 glyphs of GB2312 subset several times faster.
The glyphs, advance widths, font bounding box and shaping (the SC language system) are those of the
installed face, so pages render pixel for pixel as before; only the family name gets " GB2312".

The print stylesheet names each cut-down family first and the full Noto family after it, so a character
outside GB2312 (a rare character in an organisation's or a person's name) is printed from the full
face, and a machine where the fonts were not built prints everything from the full faces, only slower.

Built by `manage.py build_print_fonts` (`make install` runs it) into YICHUANG_PRINT_FONT_DIR, with a
manifest of the source files: a font whose source has changed since (a fonts-noto-cjk upgrade) is not
used until rebuilt, so the cut-down and the fallback faces always come from the same font files.
"""
import contextlib
import io
import json
import logging
import os
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from django.conf import settings
from fontTools import subset  # a WeasyPrint dependency
from fontTools.ttLib import TTFont
from weasyprint.text.ffi import ffi, fontconfig, pangoft2

logger = logging.getLogger(__name__)

SUFFIX = " GB2312"
MANIFEST = "manifest.json"
# Every weight the print stylesheet can ask of either family: a family that had only some weights
# built would be matched by family first and its weight synthesised (a fake bold), not the real face.
FACES = (("Noto Serif CJK SC", "Regular"), ("Noto Serif CJK SC", "Bold"),
         ("Noto Sans CJK SC", "Regular"), ("Noto Sans CJK SC", "Bold"))
# The OpenType features HarfBuzz applies to horizontal Chinese text, minus `locl`: the SC language
# system's `locl` only touches Hangul jamo, while the Japanese, Korean and traditional Chinese systems'
# would pull 5,500 other glyphs into the font. Vertical forms are left out for the same reason.
# The characters of amounts in words (大写, core.money.rmb_upper), on every agreement and form.
MONEY = "零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整人民币"
LAYOUT_FEATURES = ("ccmp", "liga", "calt", "clig", "rlig", "rclt", "kern", "mark", "mkmk", "curs", "dist")


@dataclass(frozen=True)
class Source:
    family: str
    style: str
    path: Path
    index: int

    @property
    def filename(self) -> str:
        return f"{self.family.replace(' ', '')}-{self.style}-GB2312.otf"


def font_dir() -> Path:
    return Path(getattr(settings, "YICHUANG_PRINT_FONT_DIR", None) or Path(settings.BASE_DIR) / "var" / "fonts")


def characters() -> str:
    """GB2312 (its 6,763 hanzi and symbols), ASCII, Latin-1, general punctuation, CJK punctuation and
    full-width forms: what policy text, amounts, codes and almost every name are written in."""
    chars = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):  # the unassigned codes of the table
                chars.add(bytes([high, low]).decode("gb2312"))
    for start, end in ((0x20, 0x7F), (0xA0, 0x100), (0x2000, 0x2070), (0x3000, 0x3040), (0xFF00, 0xFFF0)):
        chars.update(map(chr, range(start, end)))
    return "".join(sorted(chars))


def find_source(family: str, style: str) -> Source | None:
    """The installed face, from fontconfig (the same lookup Pango makes), or None."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    result = subprocess.run([fc_list, "--format", "%{file}|%{index}|%{family}|%{style}\n", f"{family}:style={style}"],
                            capture_output=True, text=True, timeout=20, check=False)
    for line in result.stdout.splitlines():
        path, index, families, styles = (line.split("|") + ["", "", "", ""])[:4]
        if family in families.split(",") and style in styles.split(","):
            return Source(family, style, Path(path), int(index or 0))
    return None


def _stamp(path: Path) -> dict:
    stat = path.stat()
    return {"size": stat.st_size, "mtime": int(stat.st_mtime)}


def build_face(source: Source, target: Path, chars: str) -> None:
    """Cuts `source` down to `chars` and writes it to `target` (atomically) under the family + SUFFIX."""
    # recalcBBoxes=False keeps the face's bounding box: poppler positions glyph bitmaps by it, and a
    # recomputed (smaller) one moves every glyph by a pixel on screen. It is also 5× faster to save.
    font = TTFont(source.path, fontNumber=source.index, lazy=True, recalcBBoxes=False)
    # Variation sequences (cmap format 14) would bring thousands of Japanese variant glyphs along.
    font["cmap"].tables = [table for table in font["cmap"].tables if table.format != 14]
    options = subset.Options()
    options.layout_features = list(LAYOUT_FEATURES)
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    family, renamed = source.family, source.family + SUFFIX
    postscript = family.replace(" ", "").replace("CJKSC", "CJKsc")
    for record in font["name"].names:
        text = record.toUnicode()
        if record.nameID in (1, 4, 16):
            record.string = text.replace(family, renamed)
        elif record.nameID in (3, 6):
            record.string = text.replace(postscript, postscript + SUFFIX.strip())
    cut = io.BytesIO()
    font.save(cut)
    font = TTFont(cut, recalcBBoxes=False)
    _common_glyphs_first(font, chars)
    cut = io.BytesIO()
    font.save(cut)
    # Reloaded, so that only the CFF table is decompiled: the others refer to glyphs by id in the file.
    font = TTFont(cut, lazy=True, recalcBBoxes=False)
    _identity_cids(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".part", delete=False) as part:
        font.save(part)
    os.chmod(part.name, 0o644)  # read by every worker process, whoever built it
    os.replace(part.name, target)


def frequent_characters() -> str:
    """The characters of the project's own wording (templates, the Chinese catalog), most frequent first:
    what documents print most."""
    counts: Counter[str] = Counter()
    template_dirs = cast(list, settings.TEMPLATES[0]["DIRS"])
    sources = [path for directory in template_dirs for path in Path(directory).rglob("*.html")]
    sources += [path for directory in settings.LOCALE_PATHS for path in Path(directory).rglob("*.po")]
    for path in sources:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            counts.update(c for c in path.read_text(encoding="utf-8") if ord(c) >= 0x80)
    return "".join(c for c, _ in counts.most_common())


def _common_glyphs_first(font: TTFont, chars: str) -> None:
    """Gives low glyph ids to the glyphs most documents print: ASCII, then the project's own wording by
    frequency, then GB2312 in its order (the 3,755 common hanzi before the 3,008 rarer ones).

    WeasyPrint keeps glyph ids when it subsets a face for a document, so the embedded font holds an
    (empty) entry for every id below the highest one printed: the lower that is, the less there is to
    subset and compress in every document."""
    for tag in font.keys():  # noqa: SIM118 (decompiled now, by name, while the old glyph order holds)
        if tag != "GlyphOrder":
            font[tag]
    gb2312 = sorted(chars, key=lambda c: (c.encode("gb2312", errors="ignore") or b"\xff\xff" + c.encode()))
    preferred = [chr(c) for c in range(0x20, 0x7F)] + list(MONEY + frequent_characters()) + gb2312
    cmap = font.getBestCmap()
    old = font.getGlyphOrder()
    order = [old[0]]  # .notdef stays glyph 0
    placed = {old[0]}
    for glyph in [cmap[ord(c)] for c in preferred if ord(c) in cmap] + old:
        if glyph not in placed:
            placed.add(glyph)
            order.append(glyph)
    top = font["CFF "].cff.topDictIndex[0]
    charstrings = top.CharStrings
    position = {glyph: gid for gid, glyph in enumerate(old)}
    indices = [position[glyph] for glyph in order]
    # As fontTools' subsetter reorders a CFF table: charstrings, their font dicts (FDSelect) and charset.
    if charstrings.charStringsAreIndexed:
        for glyph in old:
            charstrings.getItemAndSelector(glyph)  # read from the file before the index is reordered
        index = charstrings.charStringsIndex
        index.items = [index.items[i] for i in indices]
        del index.file, index.offsets
        charstrings.charStrings = {glyph: i for i, glyph in enumerate(order)}
    if hasattr(top, "FDSelect"):
        top.FDSelect.format = None
        top.FDSelect.gidArray = [top.FDSelect.gidArray[i] for i in indices]
        charstrings.fdSelect = top.FDSelect
    top.charset = order
    font.setGlyphOrder(order)


def _identity_cids(font: TTFont) -> None:
    """Numbers the CIDs of a CID-keyed CFF font like its glyph ids, as in the full Noto faces.

    The cut keeps each glyph's CID from the full face while its glyph id shrinks (CID 191 becomes glyph
    190); WeasyPrint writes glyph ids as CIDs (Identity-H), and a viewer that maps CIDs through the
    font's charset, as the PDF specification says, would draw the wrong glyphs."""
    top = font["CFF "].cff.topDictIndex[0]
    if not getattr(top, "ROS", None):
        return  # a name-keyed CFF: glyphs are found by id
    names = list(top.charset)
    renamed = dict(zip(names, [".notdef"] + [f"cid{gid:05d}" for gid in range(1, len(names))], strict=True))
    charstrings = top.CharStrings
    charstrings.charStrings = {renamed[name]: index for name, index in charstrings.charStrings.items()}
    top.charset = [renamed[name] for name in names]
    font.setGlyphOrder(top.charset)


def build(directory: Path | None = None, *, chars: str | None = None, faces: Iterable[tuple[str, str]] = FACES) -> list[Path]:
    """Builds every installed face of FACES; returns the fonts written. A face that is not installed is
    skipped (its family falls back to the full font, as everywhere else)."""
    directory = directory or font_dir()
    chars = chars if chars is not None else characters()
    manifest = _read_manifest(directory)
    written = []
    for family, style in faces:
        source = find_source(family, style)
        if source is None:
            logger.warning("print fonts: %s %s is not installed; it is printed from the full font", family, style)
            continue
        target = directory / source.filename
        build_face(source, target, chars)
        manifest[source.filename] = {"source": str(source.path), "index": source.index, **_stamp(source.path)}
        written.append(target)
    _write_manifest(directory, manifest)
    return written


def _read_manifest(directory: Path) -> dict:
    try:
        return json.loads((directory / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}


def _write_manifest(directory: Path, manifest: dict) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    part = directory / (MANIFEST + ".part")
    part.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    os.replace(part, directory / MANIFEST)


def usable_fonts(directory: Path | None = None, *, quiet: bool = False) -> list[Path]:
    """The built fonts whose source file is still the one they were cut from."""
    directory = directory or font_dir()
    usable = []
    for name, entry in sorted(_read_manifest(directory).items()):
        path = directory / name
        try:
            current = _stamp(Path(entry["source"]))
        except (OSError, KeyError, TypeError):
            current = None
        if path.is_file() and current == {"size": entry.get("size"), "mtime": entry.get("mtime")}:
            usable.append(path)
        elif not quiet:
            logger.warning("print fonts: %s is missing or older than its source; run manage.py build_print_fonts", path)
    return usable


def register(font_config, directory: Path | None = None) -> list[Path]:
    """Adds the usable built fonts to a WeasyPrint FontConfiguration (its fontconfig set), once per
    configuration. Any failure leaves the configuration as it was: documents then use the full fonts."""
    paths = usable_fonts(directory)
    if not paths:
        return []
    try:
        # WeasyPrint's own bindings (pinned version): the configuration's FcConfig and Pango font map.
        added = [p for p in paths if fontconfig.FcConfigAppFontAddFile(font_config._config, os.fsencode(p))]
        pangoft2.pango_fc_font_map_config_changed(ffi.cast("PangoFcFontMap *", font_config.font_map))
    except Exception:  # an upgrade that changed those internals: print from the full fonts
        logger.warning("print fonts could not be registered; printing from the full fonts", exc_info=True)
        return []
    return added


def face_files(family: str, style: str, directory: Path | None = None) -> list[tuple[Path, int]]:
    """The font files (path, index in the collection) a document prints `family` `style` from, in the
    stylesheet's order: the GB2312 cut when it is built and current, then the installed full face, which
    has the characters outside GB2312 (and everything, where the cut was not built). Empty when neither is."""
    directory = directory or font_dir()
    name = Source(family, style, Path(), 0).filename
    files = [(path, 0) for path in usable_fonts(directory, quiet=True) if path.name == name]
    entry = _read_manifest(directory).get(name) if files else None
    if entry:  # the cut's own source: the same face, without asking fontconfig
        files.append((Path(entry["source"]), int(entry.get("index", 0))))
    elif (source := find_source(family, style)) is not None:
        files.append((source.path, source.index))
    return files
