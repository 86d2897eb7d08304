"""Django admin: superusers browse checks read-only; other staff see only the statistics
(checker/stats/, linked from the admin index by templates/admin/index.html)."""
import json

from django.contrib import admin
from django.utils.html import format_html

from .models import Check

admin.site.site_header = admin.site.site_title = "Mail checker administration"


@admin.register(Check)
class CheckAdmin(admin.ModelAdmin):
    list_display = ("domain", "grade", "status", "created_at")
    list_filter = ("grade", "status")
    search_fields = ("domain",)
    date_hierarchy = "created_at"
    exclude = ("report",)
    readonly_fields = ("report_json",)
    show_full_result_count = False  # no COUNT(*) over every check on each page

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "report"] + ["report_json"]

    @admin.display(description="report")
    def report_json(self, obj):
        # format_html escapes the JSON: a report holds hostile text (TXT records, policy files).
        return format_html("<pre>{}</pre>", json.dumps(obj.report, indent=2, ensure_ascii=False))

    # Checks are the record of what was observed: nobody edits, adds or deletes them here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser
