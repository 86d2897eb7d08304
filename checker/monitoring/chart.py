"""The grade-over-time chart of a domain: an SVG drawn by pygal (the statistics page uses it too).

pygal writes the SVG with its own <style>; its JavaScript tooltips are left out (js=[]) and
the config <script> it always adds is cut out, so the image is inert: shown as a plain
<img>, under a Content-Security-Policy that allows no script at all.
"""
from __future__ import annotations

import re

import pygal
from pygal.style import Style

from ..grading import GRADE_BANDS

STYLE = Style(background="white", plot_background="white", foreground="#24292f", foreground_strong="#24292f",
              foreground_subtle="#57606a", colors=("#0969da",), font_family="sans-serif")


def grade_chart(points, title: str) -> bytes:
    """points: (datetime, score) oldest first; the y axis is marked with the grade bands."""
    chart = pygal.DateTimeLine(
        style=STYLE, js=[], width=720, height=260, show_legend=False, range=(0, 100), dots_size=3,
        x_label_rotation=20, truncate_label=-1, title=title, explicit_size=True,
        x_value_formatter=lambda dt: dt.strftime("%Y-%m-%d"),
    )
    chart.y_labels = [{"label": grade, "value": floor} for grade, floor in GRADE_BANDS]
    chart.add("score", [(when, score) for when, score in points if score is not None])
    return _SCRIPT.sub(b"", chart.render())


_SCRIPT = re.compile(rb"<script\b.*?</script>", re.S)
