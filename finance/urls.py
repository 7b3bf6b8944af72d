from django.urls import path

from finance.views import bank_details as bank_views
from finance.views import batches as batch_views
from finance.views import overview as views

app_name = "finance"
urlpatterns = [
    path("", views.home, name="home"),
    path("ledger/", views.ledger, name="ledger"),
    path("overview.xlsx", views.home_xlsx, name="home_xlsx"),
    path("ledger.xlsx", views.ledger_xlsx, name="ledger_xlsx"),
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
    path("bank-changes/", bank_views.bank_changes, name="bank_changes"),
    path("bank-changes/<int:pk>/", bank_views.bank_change, name="bank_change"),
    path("bank-changes/<int:pk>/<slug:decision>/", bank_views.decide_bank_change, name="decide_bank_change"),
    path("tranches/<int:pk>/pay/", batch_views.tranche_pay, name="tranche_pay"),
    path("tranches/<int:pk>/fail/", batch_views.tranche_fail, name="tranche_fail"),
    path("tranches/<int:pk>/requeue/", batch_views.tranche_requeue, name="tranche_requeue"),
]
