from django.urls import path

from documents import views

# config/urls.py mounts these under "jobs/" together with the pages of job kinds that keep the
# documents namespace for their URLs (the agreement pages, projects.urls.agreements).
app_name = "documents"
urlpatterns = [
    path("", views.jobs, name="jobs"),
    path("<int:pk>/", views.job_detail, name="job_detail"),
    path("<int:pk>/status/", views.job_status, name="job_status"),
    path("<int:pk>/download/", views.job_download, name="job_download"),
]
