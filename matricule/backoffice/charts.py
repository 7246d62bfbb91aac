"""Bar charts drawn on the server as SVG geometry, for templates to write out.

Readable without colour: each series has its own pattern (solid, hatched), the legend shows
the patterns, and every bar has its value written next to it. The figures are also given as a
table next to the chart, for screen readers and for copying."""

from dataclasses import dataclass, field

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


def horizontal_bars(labels: list[str], series: list[tuple[str, list[int]]]) -> BarChart:
    """One row per label, one bar per series in each row, lengths proportional to the
    largest value of all series."""
    largest = max((value for _, values in series for value in values), default=0) or 1
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
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
                    text_x=LABEL_WIDTH + width + 4,
                    text_y=y + BAR_HEIGHT - 1,
                )
            )
        rows.append(row)
    legend, x = [], 0
    for number, (name, _) in enumerate(series):
        legend.append(LegendItem(label=name, pattern=PATTERNS[number % len(PATTERNS)], x=x, text_x=x + 16))
        x += 16 + 8 * len(name) + 12
    height = LEGEND_HEIGHT + len(labels) * row_height
    return BarChart(width=WIDTH, height=height, bars_x=LABEL_WIDTH, rows=rows, legend=legend)
