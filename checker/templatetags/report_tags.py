"""Small filters for the report templates. Output is always escaped by the template."""
from django import template
from django.utils.dateparse import parse_datetime

from .. import presenter

register = template.Library()


@register.filter
def host_tone(status):
    return presenter.host_tone(status)


@register.filter
def grade_tone(grade):
    return presenter.grade_tone(grade)


@register.filter
def visible(value):
    """One line of untrusted text with hidden characters shown as escapes (presenter.visible)."""
    return presenter.visible(str(value), newlines=False)


@register.filter
def as_list(value):
    return presenter.as_text_list(value)


@register.filter
def as_datetime(value):
    """Report timestamps are RFC 3339 strings; None when unparsable (shown as-is then)."""
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None


@register.filter
def yesno_text(value):
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return "unknown"


@register.filter
def or_dash(value):
    return "—" if value in (None, "", [], {}) else value
