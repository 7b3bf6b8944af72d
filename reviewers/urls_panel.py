"""URLs of the panel pages (discussion, oral defense, fill-down, round summary); included by
reviewers.urls under the same namespace."""
from django.urls import path

from reviewers.views import panel_expert, panel_officer

urlpatterns = [
    # experts
    path("mine/<int:pk>/discussion/", panel_expert.discussion_page, name="discussion"),
    path("defense/<int:round_id>/", panel_expert.defense_scoring, name="defense_scoring"),
    # program officers
    path("rounds/<int:pk>/panel-policy/", panel_officer.policy, name="panel_policy"),
    path("rounds/<int:round_id>/projects/<int:pk>/discussion/", panel_officer.discussion_page,
         name="panel_discussion"),
    path("rounds/<int:pk>/defense/", panel_officer.defense_page, name="defense"),
    path("rounds/<int:pk>/filldown/", panel_officer.filldown_page, name="filldown"),
    path("rounds/<int:pk>/summary/", panel_officer.summary_page, name="round_summary"),
    path("rounds/<int:pk>/summary.<str:fmt>", panel_officer.summary_file, name="round_summary_file"),
]
