from django.core.checks import Error, register

from documents.errors import DocumentsError
from documents.fonts import cjk_families


@register("documents", deploy=True)
def cjk_font_installed(app_configs, **kwargs) -> list[Error]:
    """`check --deploy` refuses a machine that would print Chinese documents as empty boxes."""
    try:
        cjk_families()
    except DocumentsError as exc:
        return [Error(exc.message, id="documents.E001")]
    return []
