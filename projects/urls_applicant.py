from django.urls import path

app_name = "applicant"
urlpatterns: list = []
