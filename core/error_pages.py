"""Error pages in Chinese: 400 (config.urls handler400) and the CSRF failure (settings.CSRF_FAILURE_VIEW);
403, 404 and 500 are the templates of the same names, which Django's own handlers render.

Django answers 400 for a request with too many fields (a budget of many hundred rows), a body over
the size limit, or a malformed one; its own page is one English line.

A CSRF failure is almost always a page left open too long (the token changed at a new login, or the
cookie expired). Its page keeps everything that was typed: the posted text fields are shown again in
a form with a fresh token that posts to the same address, so one click files them; only chosen files
(a browser never re-sends them) and passwords (never echoed back) must be given again. One generic page
serves every form of the site, including forms added later, rather than a re-render per known form.
"""
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import redirect
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core import ajax

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


# Labels for the fields the application and report forms post; any other field is shown as "其他内容".
FIELD_LABELS = {
    "title": _("Project title"), "summary": _("Summary"), "need_analysis": _("Need analysis"),
    "target_group": _("Target group"), "beneficiaries": _("Number of beneficiaries"),
    "service_district": _("Service district"), "service_street": _("Service street"),
    "activity_plan": _("Activity plan"), "team": _("Team"), "narrative": _("What was done"),
    "reason": _("Reason"), "comment": _("Comment"), "contact": _("Contact"), "address": _("Mailing address"),
    "e_item": _("What was bought"), "e_amount": _("Amount (yuan)"), "b_item": _("Budget item"),
    "b_unit_price": _("Unit price (yuan)"), "b_quantity": _("Quantity"), "b_explanation": _("Explanation"),
    "m_title": _("Milestone"), "m_deliverable": _("Deliverable"), "i_name": _("Indicator"), "i_unit": _("Unit"),
    "i_target": _("Target"), "name": _("Name"), "username": _("User name"),
}
NOT_ECHOED = ("csrfmiddlewaretoken", "password", "otp", "token", "code")


def kept_fields(request) -> list[dict]:
    """Every posted value in order (rows stay aligned), each shown when it holds text."""
    fields = []
    for name, values in request.POST.lists():
        if any(word in name.lower() for word in NOT_ECHOED):
            continue
        label = FIELD_LABELS.get(name) or (_("Indicator achieved") if name.startswith("achieved_") else _("Other entry"))
        known = name in FIELD_LABELS or name.startswith("achieved_")
        for value in values:
            # Typed text is shown to be checked; codes (a select's value, an id, a button's) ride along
            # hidden: an internal code on the page would mean nothing to the person.
            shown = bool(value.strip()) and not name.startswith("_") and (known or not value.isascii())
            fields.append({"name": name, "value": value, "label": label, "shown": shown})
    return fields


def csrf_failure(request, reason: str = ""):
    """settings.CSRF_FAILURE_VIEW: "页面已过期，请重新提交" with the typed text kept (see the module text);
    the page scripts (autosave) get a JSON answer and renew their token themselves."""
    if ajax.wants_json(request):
        return ajax.csrf_expired()
    login = reverse("login")
    if request.path == login:  # a login page left open: nothing worth keeping but the name; log in again
        messages.warning(request, ajax.CSRF_EXPIRED_MESSAGE)
        return redirect(login)
    fields = kept_fields(request) if request.method == "POST" else []
    html = loader.render_to_string("403_csrf.html", {
        "fields": fields, "shown": [f for f in fields if f["shown"]], "action": request.path,
        "had_files": bool(request.method == "POST" and request.FILES),
        "signed_in": getattr(request, "user", None) is not None and request.user.is_authenticated,
    }, request=request)
    return HttpResponseForbidden(html)
