from django.urls import path

from grants.views import organization_review

app_name = "organizations"
urlpatterns = [
    path("", organization_review.review, name="review"),
    path("<int:pk>/verify/", organization_review.verify, name="verify"),
    path("changes/<int:pk>/decide/", organization_review.decide, name="decide"),
    path("changes/<int:pk>/evidence/", organization_review.evidence, name="evidence"),
]
