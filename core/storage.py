"""Where uploaded and generated documents are stored: outside the web root, served only by views that
check permission. One storage object whose location follows MEDIA_ROOT when it is used (so a test
worker's own MEDIA_ROOT applies), referred to by a callable so migrations record no path."""
from django.core.files.storage import FileSystemStorage

PROTECTED = FileSystemStorage(base_url=None)


def protected() -> FileSystemStorage:
    return PROTECTED
