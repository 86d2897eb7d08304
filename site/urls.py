from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/stats/", include("checker.stats.urls")),  # before admin/: staff statistics
    path("admin/", admin.site.urls),
    path("", include("checker.urls")),
]
