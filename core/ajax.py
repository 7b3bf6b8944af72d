"""Answers for the page scripts (autosave): JSON with a code the script acts on, never a redirect to a
login page the script would read as a broken connection."""
from django.http import JsonResponse

SESSION_EXPIRED = "session_expired"
CSRF_EXPIRED = "csrf_expired"
SESSION_EXPIRED_MESSAGE = "登录已失效，请重新登录；您填写的内容仍保留在本页"
CSRF_EXPIRED_MESSAGE = "页面已过期，请重新提交"


def wants_json(request) -> bool:
    return request.headers.get("X-Autosave") == "1" or request.headers.get("Accept", "").startswith("application/json")


def session_expired(login_url: str) -> JsonResponse:
    return JsonResponse({"saved": False, "code": SESSION_EXPIRED, "message": SESSION_EXPIRED_MESSAGE,
                         "login_url": login_url}, status=401)


def csrf_expired() -> JsonResponse:
    return JsonResponse({"saved": False, "code": CSRF_EXPIRED, "message": CSRF_EXPIRED_MESSAGE}, status=403)
