from django.urls import path

app_name = "reviewers"
urlpatterns: list = []
