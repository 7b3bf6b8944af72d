from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("accounts.urls")),
    path("public/", include("projects.urls.public")),
    path("apply/", include("projects.urls.applicant")),
    path("projects/", include("projects.urls.officer")),
    path("monitoring/", include("projects.urls.monitoring")),
    path("review/", include("reviewers.urls")),
    path("finance/", include("finance.urls")),
    path("jobs/", include("documents.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
