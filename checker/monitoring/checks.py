"""System checks of the monitoring settings (README "Watching a domain")."""
from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def mail_settings(app_configs, **kwargs):
    problems = []
    if settings.EMAIL_USE_TLS and settings.EMAIL_USE_SSL:
        problems.append(Error("EMAIL_USE_TLS and EMAIL_USE_SSL are both on; a mail server speaks one of them.",
                              hint="Port 587: EMAIL_USE_TLS=1. Port 465: EMAIL_USE_SSL=1.", id="checker.E101"))
    if settings.SITE_URL and not settings.SITE_URL.startswith(("https://", "http://")):
        problems.append(Error(f"SITE_URL={settings.SITE_URL!r} is not an http(s):// URL.",
                              hint="e.g. https://checker.example.fi", id="checker.E102"))
    return problems


@register(deploy=True)
def mail_goes_somewhere(app_configs, **kwargs):
    if settings.EMAIL_BACKEND.endswith("console.EmailBackend"):
        return [Warning("Mails (watch confirmations, alerts) are only printed to the worker's log.",
                        hint="Set EMAIL_HOST and friends (README, 'Configuring mail').", id="checker.W101")]
    return []
