from django.contrib import admin
from django.urls import include, path

from config.readiness import readyz
from documents.urls import urlpatterns as job_urls
from grants.views import holidays
from projects.urls.agreements import urlpatterns as agreement_urls

handler400 = "core.error_pages.bad_request"

urlpatterns = [
    path("readyz", readyz, name="readyz"),
    path("", include("accounts.urls")),
    path("public/", include("projects.urls.public")),
    path("apply/", include("projects.urls.applicant")),
    path("projects/", include("projects.urls.officer")),
    path("monitoring/", include("projects.urls.monitoring")),
    path("review/", include("reviewers.urls")),
    path("finance/", include("finance.urls")),
    # One namespace for the jobs pages (documents) and the agreement pages (projects) that start them.
    path("jobs/", include((job_urls + agreement_urls, "documents"))),
    path("organizations/", include("grants.urls")),
    path("holidays/", holidays.holidays, name="holidays"),
    path("holidays/<int:pk>/delete/", holidays.delete_holiday, name="holidays_delete"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
