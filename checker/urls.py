from django.urls import path

from . import api, badge, health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("check/<uuid:check_id>/", views.check_page, name="check"),
    path("check/<uuid:check_id>/status.json", views.check_status, name="check-status"),
    path("api/v1/checks", api.create_check, name="api-checks"),
    path("api/v1/checks/<uuid:check_id>", api.check_detail, name="api-check"),
    path("api/v1/schema.json", api.report_schema, name="api-schema"),
    path("badge/<str:domain>.svg", badge.badge, name="badge"),
    path("healthz", health.healthz, name="healthz"),
]
