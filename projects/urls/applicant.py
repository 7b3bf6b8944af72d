from django.contrib.auth.decorators import login_required
from django.urls import path

from grants.views import organizations
from projects.views.applicant import (
    agreement,
    attachments,
    bank_details,
    dashboard,
    documents,
    edit,
    questions,
    reports,
    rounds,
    status,
    submit,
)
from projects.views.applicant.common import login_required_or_401

app_name = "applicant"


urlpatterns = [
    path("register/", organizations.register, name="register"),
    path("register/check-code/", organizations.check_credit_code, name="check_credit_code"),
    path("", dashboard.dashboard, name="dashboard"),
    path("organization/", organizations.organization, name="organization"),
    path("organization/bank-account/", bank_details.bank_details, name="bank_details"),
    path("rounds/", rounds.round_list, name="rounds"),
    path("rounds/<int:round_id>/", rounds.round_detail, name="round"),
    path("rounds/<int:round_id>/start/", rounds.start, name="start"),
    path("p/<int:pk>/", login_required(status.project), name="project"),
    path("p/<int:pk>/edit/attachments/", login_required(attachments.attachments), name="attachments"),
    path("p/<int:pk>/edit/attachments/<int:attachment_id>/remove/", login_required(attachments.remove), name="remove_attachment"),
    path("p/<int:pk>/edit/questions/", login_required(questions.questions), name="questions"),
    path("p/<int:pk>/answers/<int:answer_id>/", login_required(questions.answer_file), name="answer_file"),
    path("p/<int:pk>/edit/<slug:section>/", login_required_or_401(edit.section), name="section"),
    path("p/<int:pk>/submit/", login_required(submit.submit), name="submit"),
    path("p/<int:pk>/application/", login_required(documents.application), name="application"),
    path("p/<int:pk>/application.pdf", login_required(documents.application_pdf), name="application_pdf"),
    path("p/<int:pk>/receipt.pdf", login_required(documents.receipt_pdf), name="receipt_pdf"),
    path("p/<int:pk>/withdraw/", login_required(submit.withdraw), name="withdraw"),
    path("p/<int:pk>/files/<int:attachment_id>/", login_required(attachments.download), name="file"),
    path("p/<int:pk>/agreement/", login_required(agreement.agreement), name="agreement"),
    path("p/<int:pk>/agreement/sign/", login_required(agreement.sign), name="sign"),
    path("p/<int:pk>/agreement/scan/", login_required(agreement.sign_with_scan), name="sign_scan"),
    path("p/<int:pk>/agreement/budget/", login_required(agreement.revise_budget), name="revise_budget"),
    path("p/<int:pk>/reports/", login_required(reports.reports), name="reports"),
    path("p/<int:pk>/milestones/<int:milestone_id>/done/", login_required(reports.milestone_done), name="milestone_done"),
    path("p/<int:pk>/adjustment/", login_required(reports.adjustment), name="adjustment"),
]
