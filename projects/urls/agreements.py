"""Agreement pages, mounted by config/urls.py inside the documents namespace under /jobs/, where
they have always been (`documents:new_agreement_batch`, `documents:agreement_pdf`)."""
from django.urls import path

from projects.views import agreements

urlpatterns = [
    path("new/agreements/", agreements.new_agreement_batch, name="new_agreement_batch"),
    path("agreements/<int:project_id>/", agreements.agreement_pdf, name="agreement_pdf"),
]
