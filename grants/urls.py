from django.contrib.auth.decorators import login_required
from django.urls import path

from grants.views import rounds

app_name = "rounds"

urlpatterns = [
    path("", login_required(rounds.round_list), name="list"),
    path("new/", rounds.create, name="create"),
    path("districts/", rounds.districts, name="districts"),
    path("districts/<int:district_id>/toggle/", rounds.toggle_district, name="toggle_district"),
    path("documents/<int:document_id>/", rounds.call_document, name="call_document"),
    path("<int:pk>/", rounds.detail, name="detail"),
    path("<int:pk>/copy/", rounds.copy, name="copy"),
    path("<int:pk>/edit/<slug:section>/", rounds.edit, name="edit"),
    path("<int:pk>/questions/", rounds.questions, name="questions"),
    path("<int:pk>/preview/", rounds.preview, name="preview"),
    path("<int:pk>/publish/", rounds.publish, name="publish"),
    path("<int:pk>/documents/", rounds.documents, name="documents"),
    path("<int:pk>/documents/<int:document_id>/remove/", rounds.remove_document, name="remove_document"),
]
