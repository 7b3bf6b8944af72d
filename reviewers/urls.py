from django.urls import path

from reviewers.urls_panel import urlpatterns as panel_urlpatterns
from reviewers.views import expert as views_expert
from reviewers.views import objections as views_objections
from reviewers.views import officer as views_officer
from reviewers.views import public as views_public
from reviewers.views import window as views_window

app_name = "reviewers"
urlpatterns = [
    # experts
    path("mine/", views_expert.my_reviews, name="my_reviews"),
    path("mine/<int:pk>/", views_expert.review, name="review"),
    path("mine/<int:pk>/files/<int:number>/", views_expert.review_file, name="review_file"),
    path("mine/rounds/<int:round_id>/conflicts/", views_expert.round_conflicts, name="round_conflicts"),
    # program officers
    path("rounds/", views_officer.rounds, name="rounds"),
    path("rounds/<int:pk>/", views_officer.round_detail, name="round"),
    path("rounds/<int:round_id>/projects/<int:pk>/", views_officer.project_panel, name="panel"),
    path("rounds/<int:pk>/review-window/", views_window.review_window, name="review_window"),
    path("rounds/<int:pk>/conflicts/", views_officer.conflicts, name="conflicts"),
    path("rounds/<int:pk>/progress/", views_officer.progress, name="progress"),
    path("rounds/<int:pk>/ranking/", views_officer.ranking_page, name="ranking"),
    path("rounds/<int:pk>/ranking.xlsx", views_officer.ranking_download, name="ranking_xlsx"),
    path("runs/<int:pk>/result.xlsx", views_officer.run_result, name="run_result"),
    path("rounds/<int:pk>/publicity/", views_officer.round_publicity, name="round_publicity"),
    path("projects/<int:pk>/sheet/", views_officer.score_sheet_page, name="score_sheet"),
    path("projects/<int:pk>/sheet.xlsx", views_officer.score_sheet_xlsx, name="score_sheet_xlsx"),
    path("projects/<int:pk>/sheet.pdf", views_officer.score_sheet_pdf, name="score_sheet_pdf"),
    path("experts/", views_officer.experts, name="experts"),
    path("experts/template.xlsx", views_officer.experts_template, name="experts_template"),
    path("experts/<int:pk>/", views_officer.expert_detail, name="expert"),
    path("objections/", views_objections.objection_list, name="objections"),
    path("objections/<int:pk>/answer/", views_objections.answer, name="objection_answer"),
    path("objections/<int:pk>/evidence/", views_objections.evidence, name="objection_evidence"),
    # the public (no login)
    path("publicity/<int:round_id>/", views_public.publicity, name="publicity"),
    path("publicity/<int:round_id>/list.xlsx", views_public.publicity_xlsx, name="publicity_xlsx"),
    path("publicity/<int:round_id>/list.pdf", views_public.publicity_pdf, name="publicity_pdf"),
    path("publicity/<int:round_id>/objection/", views_public.objection, name="objection"),
]
urlpatterns += panel_urlpatterns
