"""Shell pages: home, and the user's background jobs."""

from django.urls import path

from . import jobs, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("jobs/", jobs.jobs, name="jobs"),
    path("jobs/<int:pk>/", jobs.job_detail, name="job"),
    path("jobs/<int:pk>/download/", jobs.job_download, name="job_download"),
]
