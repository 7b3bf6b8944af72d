from django.urls import path

from projects import public_views

app_name = "public"
urlpatterns = [path("", public_views.index, name="index")]
