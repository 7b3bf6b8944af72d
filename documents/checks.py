from django.core.checks import Error, register
from django.core.checks import Warning as CheckWarning

from documents.errors import DocumentsError
from documents.fonts import cjk_families
from documents.print_fonts import FACES, font_dir, usable_fonts


@register("documents", deploy=True)
def cjk_font_installed(app_configs, **kwargs) -> list[Error]:
    """`check --deploy` refuses a machine that would print Chinese documents as empty boxes."""
    try:
        cjk_families()
    except DocumentsError as exc:
        return [Error(exc.message, id="documents.E001")]
    return []


@register("documents", deploy=True)
def print_fonts_built(app_configs, **kwargs) -> list[CheckWarning]:
    """Without the GB2312 print fonts documents look the same but take about twice the time."""
    if len(usable_fonts(quiet=True)) < len(FACES):
        return [CheckWarning(f"打印字体（GB2312 子集）未生成或已过期，PDF 仍可生成但较慢：请运行 manage.py build_print_fonts（{font_dir()}）",
                        id="documents.W002")]
    return []
