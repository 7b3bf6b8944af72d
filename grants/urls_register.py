from django.urls import path

from grants.views import register

app_name = "organizations"

urlpatterns = [
    path("", register.organization_list, name="list"),
    path("<int:pk>/", register.organization_detail, name="detail"),
    path("<int:pk>/credit-list/", register.add_credit_entry, name="add_credit_entry"),
    path("<int:pk>/credit-list/<int:entry_id>/end/", register.end_credit_entry, name="end_credit_entry"),
    path("<int:pk>/credit-list/<int:entry_id>/delete/", register.delete_credit_entry, name="delete_credit_entry"),
]
