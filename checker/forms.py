from django import forms

from .engine.names import MAX_INPUT


class DomainForm(forms.Form):
    """Only the shape of the input; the real validation is submit.submit() (normalize_domain)."""

    domain = forms.CharField(
        label="Mail domain",
        max_length=MAX_INPUT,
        error_messages={"required": "Enter a domain name, for example example.fi."},
        widget=forms.TextInput(attrs={
            "placeholder": "example.fi",
            "autocomplete": "off",
            "autocapitalize": "none",
            "spellcheck": "false",
            "inputmode": "url",
        }),
    )
