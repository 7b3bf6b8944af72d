from django.urls import path

from documents import views

app_name = "documents"
urlpatterns = [
    path("", views.jobs, name="jobs"),
    path("<int:pk>/", views.job_detail, name="job_detail"),
    path("<int:pk>/status/", views.job_status, name="job_status"),
    path("<int:pk>/download/", views.job_download, name="job_download"),
    path("new/agreements/", views.new_agreement_batch, name="new_agreement_batch"),
    path("agreements/<int:project_id>/", views.agreement_pdf, name="agreement_pdf"),
]
