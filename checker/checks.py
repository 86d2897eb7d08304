"""System checks: misconfiguration is reported here with a clear message."""
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register()
def checker_settings(app_configs, **kwargs):
    problems = []
    if settings.CHECKER_CONFIG_ERROR:
        problems.append(Error(settings.CHECKER_CONFIG_ERROR, hint="Fix the variable or unset it.", id="checker.E002"))
    for text in settings.SETTINGS_ERRORS:
        problems.append(Error(text, hint="Fix the variable or unset it.", id="checker.E004"))
    for text in settings.SETTINGS_PROBLEMS:
        if text != "SECRET_KEY is not set":
            problems.append(Warning(text, id="checker.W001"))
    if not settings.REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        problems.append(
            Error(f"REDIS_URL={settings.REDIS_URL!r} is not a redis:// URL", hint="e.g. redis://127.0.0.1:6390/0", id="checker.E003")
        )
    return problems


@register(Tags.security, deploy=True)
def secret_key_is_set(app_configs, **kwargs):
    if settings.SECRET_KEY_MISSING:
        return [
            Error(
                "SECRET_KEY is not set.",
                hint="Set SECRET_KEY (or SECRET_KEY_FILE) in the environment. With DEBUG=1 a key is generated into var/.",
                id="checker.E001",
            )
        ]
    return []


@register()
def secret_key_is_set_when_serving(app_configs, **kwargs):
    # Also outside --deploy: without a key, sessions and CSRF tokens would change on every start.
    return secret_key_is_set(app_configs)


@register()
def protocol_registry_is_complete(app_configs, **kwargs):
    from .registry_check import problems

    return [Error(text, hint="See checker/engine/registry.py: what a protocol needs.", id="checker.E005")
            for text in problems()]


@register()
def survey_settings(app_configs, **kwargs):
    """Surveys (checker/survey/): an opt-out list that cannot be read would mean probing
    domains whose owners asked us not to, so it is an error, not a warning."""
    problems = []
    path = settings.SURVEY_OPT_OUT_FILE
    if path:
        try:
            with open(path, encoding="utf-8", errors="replace"):
                pass
        except OSError as error:
            problems.append(Error(f"SURVEY_OPT_OUT_FILE={path!r} cannot be read: {error.strerror or error}",
                                  hint="Fix the path or unset the variable.", id="checker.E006"))
    for name in ("SURVEY_CONCURRENCY", "SURVEY_CHUNK_SIZE", "SURVEY_LEASE_SECONDS", "SURVEY_CHECK_TIMEOUT"):
        if getattr(settings, name) < 1:
            problems.append(Error(f"{name} must be at least 1", id="checker.E007"))
    for name in ("SURVEY_RESOLVER_LIMIT", "SURVEY_HTTPS_LIMIT", "SURVEY_SMTP_LIMIT"):
        if getattr(settings, name) < 0:
            problems.append(Error(f"{name} must be 0 (no cap) or more", id="checker.E007"))
    return problems
