"""The statistics filters (GET parameters), validated into queries.Filters."""
import datetime as dt

from django import forms
from django.utils import timezone

from .queries import SOURCES, WINDOWS, Filters

WINDOW_CHOICES = [("24h", "last 24 hours"), ("7d", "last 7 days"), ("30d", "last 30 days"), ("all", "all time"),
                  ("range", "from / to")]
assert {key for key, _ in WINDOW_CHOICES} == set(WINDOWS) | {"range"}
SOURCE_CHOICES = [("all", "every source"), ("web", "web form"), ("api", "API"), ("survey", "survey run"),
                  ("monitor", "scheduled re-check")]
assert {key for key, _ in SOURCE_CHOICES} == set(SOURCES)


class StatsFilterForm(forms.Form):
    window = forms.ChoiceField(choices=WINDOW_CHOICES, required=False, initial="30d")
    start = forms.DateField(required=False, label="from", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label="to (inclusive)", widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.ChoiceField(choices=SOURCE_CHOICES, required=False, initial="all")
    survey = forms.ChoiceField(required=False, label="survey run")

    def __init__(self, data, surveys=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["survey"].choices = [("", "every run")] + [(label, label) for label in surveys]

    def clean(self):
        data = super().clean()
        if data.get("window") == "range":
            if not data.get("start") and not data.get("end"):
                raise forms.ValidationError("Give a from date, a to date, or both.")
            if data.get("start") and data.get("end") and data["start"] > data["end"]:
                raise forms.ValidationError("The from date is after the to date.")
        return data

    def filters(self) -> Filters:
        """The validated filters; the defaults (last 30 days, every source) when invalid."""
        if not self.is_valid():
            return Filters.relative()
        data = self.cleaned_data
        window, source = data.get("window") or "30d", data.get("source") or "all"
        survey = data.get("survey") or None
        if survey:
            source = "survey"
        if window != "range":
            return Filters.relative(window, source, survey)
        start = _midnight(data["start"]) if data.get("start") else None
        end = _midnight(data["end"] + dt.timedelta(days=1)) if data.get("end") else None
        return Filters("range", start, end, source, survey)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())
