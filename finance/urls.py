from django.urls import path

from finance.views import batches as batch_views
from finance.views import overview as views

app_name = "finance"
urlpatterns = [
    path("", views.home, name="home"),
    path("ledger/", views.ledger, name="ledger"),
    path("clawbacks/", views.clawbacks, name="clawbacks"),
    path("clawbacks/<int:pk>/repay/", views.repay, name="repay"),
    path("batches/", batch_views.batch_list, name="batch_list"),
    path("batches/new/", batch_views.batch_new, name="batch_new"),
    path("batches/<int:pk>/", batch_views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/list.xlsx", batch_views.export_list, name="export_list"),
    path("batches/<int:pk>/bank-file/", batch_views.export_bank, name="export_bank"),
    path("batches/<int:pk>/approval.pdf", batch_views.approval_pdf, name="approval_pdf"),
    path("batches/<int:pk>/results/", batch_views.batch_results, name="batch_results"),
    path("batches/<int:pk>/<slug:action>/", batch_views.batch_action, name="batch_action"),
    path("tranches/<int:pk>/pay/", batch_views.tranche_pay, name="tranche_pay"),
    path("tranches/<int:pk>/fail/", batch_views.tranche_fail, name="tranche_fail"),
]
