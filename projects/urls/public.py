from django.urls import path

from projects.views import public as public_views

app_name = "public"
urlpatterns = [
    path("", public_views.index, name="index"),
    path("rounds/<int:pk>/", public_views.round_detail, name="round"),
    path("projects/<str:code>/", public_views.project_detail, name="project"),
    path("open-data.<slug:fmt>", public_views.download, name="open_data"),
]
