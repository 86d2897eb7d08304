from django.urls import path

from . import views

urlpatterns = [
    path("", views.stats_page, name="stats"),
    path("export.csv", views.stats_export, {"fmt": "csv"}, name="stats-csv"),
    path("export.json", views.stats_export, {"fmt": "json"}, name="stats-json"),
]
