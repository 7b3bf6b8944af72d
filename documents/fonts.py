"""Chinese documents need a CJK font: without one WeasyPrint prints empty boxes instead of text,
which is worse than no document because nobody notices until the agreement is signed."""
import shutil
import subprocess
from functools import lru_cache

from documents.errors import DocumentsError

INSTALL_HINT = "请安装 Debian 软件包 fonts-noto-cjk（make system-deps 会安装）"


def _families() -> list[str]:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        raise DocumentsError(f"找不到 fc-list（fontconfig），无法确认中文字体：{INSTALL_HINT}")
    try:
        result = subprocess.run(
            [fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=20, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DocumentsError(f"运行 fc-list 检查中文字体失败（{exc}）：{INSTALL_HINT}") from None
    return sorted({line.strip() for line in result.stdout.splitlines() if line.strip()})


@lru_cache(maxsize=1)
def cjk_families() -> tuple[str, ...]:
    """The installed font families covering Chinese; asked once per process (fc-list is slow)."""
    families = _families()
    if not families:
        raise DocumentsError(f"系统中没有可用的中文字体，生成的 PDF 会显示为方框：{INSTALL_HINT}")
    return tuple(families)


def require_cjk_font() -> None:
    cjk_families()
