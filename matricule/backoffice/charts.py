"""Bar charts drawn on the server as SVG geometry, for templates to write out.

Readable without colour: each series has its own pattern (solid, hatched), the legend shows
the patterns, and every bar has its value written next to it. The figures are also given as a
table next to the chart, for screen readers and for copying."""

from dataclasses import dataclass, field

from django.utils.html import format_html, format_html_join

WIDTH = 328  # fits a 360 px wide phone (less the page margins) without scaling the text down
LABEL_WIDTH = 44
VALUE_WIDTH = 44
BAR_HEIGHT = 11
BAR_GAP = 2
ROW_GAP = 8
LEGEND_HEIGHT = 28
PATTERNS = ("solid", "hatched", "dotted")


@dataclass
class Bar:
    value: int
    pattern: str
    y: int
    width: int
    text_x: int
    text_y: int


@dataclass
class Row:
    label: str
    label_y: int
    bars: list[Bar] = field(default_factory=list)


@dataclass
class LegendItem:
    label: str
    pattern: str
    x: int
    text_x: int


@dataclass
class BarChart:
    width: int
    height: int
    bars_x: int
    rows: list[Row]
    legend: list[LegendItem]
    legend_y: int = 6
    legend_text_y: int = 16
    bar_height: int = BAR_HEIGHT

    @property
    def empty(self) -> bool:
        return not self.rows


def horizontal_bars(
    labels: list[str], series: list[tuple[str, list[int]]], *, label_width: int = LABEL_WIDTH
) -> BarChart:
    """One row per label, one bar per series in each row, lengths proportional to the
    largest value of all series; `label_width`: the room left of the bars for the labels."""
    largest = max((value for _, values in series for value in values), default=0) or 1
    room = WIDTH - label_width - VALUE_WIDTH
    row_height = len(series) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP + ROW_GAP
    rows = []
    for index, label in enumerate(labels):
        top = LEGEND_HEIGHT + index * row_height
        row = Row(label=label, label_y=top + (row_height - ROW_GAP) // 2 + 4)
        for number, (_, values) in enumerate(series):
            value = values[index]
            width = round(room * value / largest)
            if value and width < 2:
                width = 2  # a small non-zero value still shows a bar
            y = top + number * (BAR_HEIGHT + BAR_GAP)
            row.bars.append(
                Bar(
                    value=value,
                    pattern=PATTERNS[number % len(PATTERNS)],
                    y=y,
                    width=width,
                    text_x=label_width + width + 4,
                    text_y=y + BAR_HEIGHT - 1,
                )
            )
        rows.append(row)
    legend, x = [], 0
    for number, (name, _) in enumerate(series):
        legend.append(LegendItem(label=name, pattern=PATTERNS[number % len(PATTERNS)], x=x, text_x=x + 16))
        x += 16 + 8 * len(name) + 12
    height = LEGEND_HEIGHT + len(labels) * row_height
    return BarChart(width=WIDTH, height=height, bars_x=label_width, rows=rows, legend=legend)


def label_width_for(labels: list[str], *, largest: int = 150) -> int:
    """Room for the longest label at 12 px (about 6.5 px a character), within `largest`."""
    return min(largest, max(LABEL_WIDTH, round(6.5 * max((len(label) for label in labels), default=0)) + 8))


INK = "#1b1b1f"
SOLID = "#123f8c"


def _fill(chart_id: str, pattern: str) -> str:
    return SOLID if pattern == "solid" else f"url(#{chart_id}-{pattern})"


def svg(chart: BarChart, *, chart_id: str, title: str, description: str = "", legend: bool = True):
    """The chart as inline SVG: scales to its container's width (viewBox, width 100 %), named for
    assistive technologies by its title and description (role="img"); the patterns tell the
    series apart without colour. `chart_id` makes its ids unique on the page."""
    defs = format_html(
        '<pattern id="{0}-hatched" width="5" height="5" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="5" height="5" fill="#ffffff"/>'
        '<line x1="0" y1="0" x2="0" y2="5" stroke="{1}" stroke-width="2.5"/></pattern>'
        '<pattern id="{0}-dotted" width="4" height="4" patternUnits="userSpaceOnUse">'
        '<rect width="4" height="4" fill="#ffffff"/><circle cx="2" cy="2" r="1.2" fill="{1}"/></pattern>',
        chart_id,
        INK,
    )
    parts = []
    if legend:
        for item in chart.legend:
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="12" height="12" stroke="{}" fill="{}"/>'
                    '<text x="{}" y="{}" fill="{}">{}</text>',
                    item.x,
                    chart.legend_y,
                    INK,
                    _fill(chart_id, item.pattern),
                    item.text_x,
                    chart.legend_text_y,
                    INK,
                    item.label,
                )
            )
    for row in chart.rows:
        parts.append(format_html('<text x="0" y="{}" fill="{}">{}</text>', row.label_y, INK, row.label))
        for bar in row.bars:
            if bar.width:
                parts.append(
                    format_html(
                        '<rect x="{}" y="{}" width="{}" height="{}" stroke="{}" '
                        'stroke-width="0.75" fill="{}"/>',
                        chart.bars_x,
                        bar.y,
                        bar.width,
                        chart.bar_height,
                        INK,
                        _fill(chart_id, bar.pattern),
                    )
                )
            parts.append(
                format_html('<text x="{}" y="{}" fill="{}">{}</text>', bar.text_x, bar.text_y, INK, bar.value)
            )
    return format_html(
        '<svg class="chart__svg" width="100%" viewBox="0 0 {w} {h}" role="img" '
        'aria-labelledby="{id}-title {id}-desc" focusable="false" font-size="12">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        "<defs>{defs}</defs>{body}</svg>",
        w=chart.width,
        h=chart.height,
        id=chart_id,
        title=title,
        desc=description,
        defs=defs,
        body=format_html_join("", "{}", ((part,) for part in parts)),
    )
