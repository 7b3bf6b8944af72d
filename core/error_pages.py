"""The 400 page (config.urls handler400): a Chinese explanation of why the request was refused.

Django answers 400 for a request with too many fields (a budget of many hundred rows), a body over
the size limit, or a malformed one; its own page is one English line."""
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponseBadRequest
from django.template import loader

TOO_MANY_FIELDS = "提交的内容项过多（例如预算或指标的行数超出上限），请减少行数后重新提交"
TOO_BIG = "提交的内容过大，请减少内容或压缩附件后重新提交"
TOO_MANY_FILES = "一次上传的文件过多，请分几次上传"
MALFORMED = "请求格式不正确，请返回上一页重新操作"


def message_for(exception) -> str:
    if isinstance(exception, TooManyFieldsSent):
        return TOO_MANY_FIELDS
    if isinstance(exception, TooManyFilesSent):
        return TOO_MANY_FILES
    if isinstance(exception, RequestDataTooBig):
        return TOO_BIG
    return MALFORMED


def bad_request(request, exception=None):
    html = loader.get_template("400.html").render({"message": message_for(exception)})
    return HttpResponseBadRequest(html)
