"""Server-rendered SVG charts of the statistics, drawn by pygal (a maintained SVG charting
library: no hand-written SVG, no JavaScript in the browser).

pygal's SVG carries a tooltip script and one inline `style` attribute; the page's Content
Security Policy allows neither, so `_svg` drops the script (the charts need none), turns the
attribute into the equivalent presentation attribute, and gives the chart's <style> element
the page's CSP nonce.
"""
from __future__ import annotations

import re

import pygal
from pygal.style import Style

from .published import hidden

STYLE = Style(
    background="transparent", plot_background="transparent", foreground="#222", foreground_strong="#000",
    foreground_subtle="#666", font_family="system-ui, sans-serif", title_font_size=18, label_font_size=13,
    legend_font_size=13, major_label_font_size=13, value_font_size=13,
    colors=("#2a7a3b", "#8fbf5a", "#e0b43c", "#d9822b", "#c0392b", "#7f8c8d", "#34495e", "#2980b9"),
)
CONFIG = dict(style=STYLE, js=[], disable_xml_declaration=True, width=640, height=360, print_values=True,
              legend_at_bottom=True, truncate_legend=-1)
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)


def _svg(chart, nonce: str) -> str:
    svg = chart.render(is_unicode=True)
    svg = _SCRIPT.sub("", svg)
    svg = svg.replace(' style="opacity: 0"', ' opacity="0"')
    return svg.replace("<style", f'<style nonce="{nonce}"', 1)


def _value(count: int, threshold: int):
    return None if hidden(count, threshold) else count


def _pie(title: str, parts, threshold: int, nonce: str) -> str:
    chart = pygal.Pie(title=title, inner_radius=0.45, **CONFIG)
    for label, count in parts:
        chart.add(label, _value(count, threshold))
    return _svg(chart, nonce)


def _bars(title: str, labels, values, threshold: int, nonce: str, horizontal=False) -> str:
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    chart = kind(title=title, show_legend=False, x_label_rotation=0 if horizontal else 30, **CONFIG)
    chart.x_labels = list(labels)
    chart.add("count", [_value(v, threshold) for v in values])
    return _svg(chart, nonce)


def charts(values: dict[str, int], days: list, threshold: int, nonce: str) -> list[dict]:
    """[{key, title, svg}] for the page, from the counts of tables.compute and queries.per_day."""
    v = values
    out = [
        ("dnssec", "DNSSEC configured (DS present)",
         _pie("DNSSEC", [("DS present", v["ds"]), ("no DS", v["domains"] - v["ds"])], threshold, nonce)),
        ("mx", "MX kinds",
         _pie("MX", [(kind, v[f"mx_kind_{kind}"]) for kind in ("present", "none", "null", "invalid", "nxdomain",
                                                               "error")], threshold, nonce)),
        ("tlsa", "TLSA coverage (DNSSEC domains with a non-null MX)",
         _pie("TLSA", [("all MX", v["tlsa_all"]), ("some MX", v["tlsa_some"]), ("invalid", v["tlsa_invalid"]),
                       ("none", v["tlsa_none"]), ("query failed", v["tlsa_error"])], threshold, nonce)),
        ("funnel", "MTA-STS: host, fetched, valid, enforce",
         _bars("MTA-STS", ["mta-sts host", "policy fetched", "valid policy", "valid policy and TXT", "enforce"],
               [v["sts_host_exists"], v["policy_received"], v["policy_valid"], v["sts_both"], v["mode_enforce"]],
               threshold, nonce, horizontal=True)),
        ("grades", "Grades",
         _bars("Grades", [k.replace("grade_", "").replace("plus", "+") for k in GRADE_KEYS] + ["none"],
               [v[k] for k in GRADE_KEYS] + [v["grade_none"]], threshold, nonce)),
        ("days", "Finished checks per day",
         _bars("Checks per day", [day.isoformat() for day, _n in days], [n for _day, n in days], threshold, nonce)),
    ]
    return [{"key": key, "title": title, "svg": svg} for key, title, svg in out]


GRADE_KEYS = ("grade_Aplus", "grade_A", "grade_B", "grade_C", "grade_D", "grade_E", "grade_F")
