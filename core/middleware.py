"""Response rules that hold for whole groups of pages rather than for one view.

- Money pages and file downloads are never kept by a browser or a proxy (`Cache-Control: no-store`):
  a shared office computer's back button or disk cache must not show bank accounts to the next person.
- A file the database names but the disk no longer holds (a restore without the media files, a
  disk fault) is a 410 page that says so, instead of a 500.
"""
import logging

from django.template.response import SimpleTemplateResponse

log = logging.getLogger(__name__)

NO_STORE_PREFIXES = ("/finance/",)
FILE_MISSING = "该文件已不在服务器上（可能在恢复备份后缺失），请联系项目办公室重新上传或重新生成"


def is_download(response) -> bool:
    return bool(getattr(response, "streaming", False) and hasattr(response, "file_to_stream")) or \
        response.headers.get("Content-Disposition", "").startswith("attachment")


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(NO_STORE_PREFIXES) or is_download(response):
            response.headers["Cache-Control"] = "private, no-store"
        return response


class MissingFileMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, FileNotFoundError):
            return None
        log.error("file missing during %s %s", request.method, request.path, exc_info=exception)
        response = SimpleTemplateResponse("410.html", {"message": FILE_MISSING}, status=410)
        response["Cache-Control"] = "no-store"
        return response.render()


class MethodNotAllowedPageMiddleware:
    """A page opened with the wrong method (a bookmark or a reload of a button's address, such as
    signing an agreement or logging out, which only accept the button's POST) gets a Chinese page that
    says what to do, instead of the browser's own English "HTTP ERROR 405" for Django's empty answer.
    The status and the Allow header stay."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or response.content or getattr(response, "streaming", False):
            return response
        page = SimpleTemplateResponse("405.html", status=405).render()
        if "Allow" in response.headers:
            page["Allow"] = response.headers["Allow"]
        return page
