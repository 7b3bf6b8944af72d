from django.urls import path

from grants.views import organization_review, register

app_name = "organizations"

urlpatterns = [
    path("", register.organization_list, name="list"),
    path("<int:pk>/", register.organization_detail, name="detail"),
    path("<int:pk>/credit-list/", register.add_credit_entry, name="add_credit_entry"),
    path("<int:pk>/credit-list/<int:entry_id>/end/", register.end_credit_entry, name="end_credit_entry"),
    path("<int:pk>/credit-list/<int:entry_id>/delete/", register.delete_credit_entry, name="delete_credit_entry"),
    # New registrations to verify and organizations' requested changes to approve (grants.organization_services)
    path("review/", organization_review.review, name="review"),
    path("<int:pk>/verify/", organization_review.verify, name="verify"),
    path("changes/<int:pk>/decide/", organization_review.decide, name="decide"),
    path("changes/<int:pk>/evidence/", organization_review.evidence, name="evidence"),
]
