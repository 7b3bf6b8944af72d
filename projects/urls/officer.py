from django.contrib.auth.decorators import login_required
from django.urls import path

from projects.views import officer as officer_views
from projects.views import officer_findings, officer_reports
from projects.views.applicant.attachments import download

app_name = "projects"
urlpatterns = [
    path("", officer_views.officer_list, name="officer_list"),
    path("<int:pk>/", officer_views.officer_detail, name="officer_detail"),
    path("<int:pk>/actions/<slug:name>/", officer_views.officer_action, name="officer_action"),
    path("<int:pk>/changes/", officer_views.changes, name="changes"),
    path("<int:pk>/publicity-end/", officer_findings.correct_publicity_end, name="correct_publicity_end"),
    path("<int:pk>/government-funding/", officer_findings.government_funding_check, name="government_funding_check"),
    path("<int:pk>/files/<int:attachment_id>/", login_required(download), name="file"),
    path("reports/<int:report_id>/", officer_reports.officer_report, name="officer_report"),
    path("adjustments/<int:adjustment_id>/", officer_views.adjustment, name="adjustment"),
]
