from django.urls import path

from . import api, badge, health, views
from .monitoring import views as monitoring

urlpatterns = [
    path("", views.home, name="home"),
    path("check/<uuid:check_id>/", views.check_page, name="check"),
    path("check/<uuid:check_id>/status.json", views.check_status, name="check-status"),
    path("api/v1/checks", api.create_check, name="api-checks"),
    path("api/v1/checks/<uuid:check_id>", api.check_detail, name="api-check"),
    path("api/v1/schema.json", api.report_schema, name="api-schema"),
    path("badge/<str:domain>.svg", badge.badge, name="badge"),
    path("healthz", health.healthz, name="healthz"),
    # monitoring (checker/monitoring/)
    path("domain/<str:name>/", monitoring.history, name="domain-history"),
    path("domain/<str:name>/chart.svg", monitoring.history_chart, name="domain-history-chart"),
    path("domain/<str:name>/watch", monitoring.watch, name="domain-watch"),
    path("watch/confirm/<str:token>/", monitoring.confirm, name="watch-confirm"),
    path("watch/unsubscribe/<str:token>/", monitoring.unsubscribe, name="watch-unsubscribe"),
    path("api/v1/domains/<str:name>/history", monitoring.history_api, name="api-domain-history"),
]
