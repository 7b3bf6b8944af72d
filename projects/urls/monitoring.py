from django.urls import path

from projects.views import evaluation as views_evaluation
from projects.views import monitoring as views_monitoring

app_name = "monitoring"
urlpatterns = [
    path("", views_monitoring.home, name="home"),
    path("rounds/<int:pk>/", views_monitoring.round_dashboard, name="dashboard"),
    path("rounds/<int:pk>/overdue/", views_monitoring.overdue, name="overdue"),
    path("evaluations/", views_evaluation.evaluation_list, name="evaluations"),
    path("projects/<int:pk>/", views_evaluation.evaluate, name="evaluate"),
    path("projects/<int:pk>/begin/<slug:kind>/", views_evaluation.begin, name="begin"),
    path("projects/<int:pk>/terminate/", views_evaluation.terminate, name="terminate"),
    path("projects/<int:pk>/evaluation-report.pdf", views_evaluation.evaluation_report, name="evaluation_report"),
]
