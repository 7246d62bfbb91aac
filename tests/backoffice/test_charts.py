"""Bar charts as SVG geometry (`charts.py`): one row per label, one bar per series, lengths in
proportion, patterns rather than colours, and every value written next to its bar."""

import re

from matricule.backoffice import charts
from matricule.backoffice.charts import horizontal_bars

ROOM = charts.WIDTH - charts.LABEL_WIDTH - charts.VALUE_WIDTH  # the longest bar


def test_one_row_per_label_and_one_bar_per_series_each_with_its_pattern():
    chart = horizontal_bars(["lun.", "mar."], [("Commencées", [4, 0]), ("Déposées", [2, 1])])
    assert not chart.empty
    assert [row.label for row in chart.rows] == ["lun.", "mar."]
    assert [[(bar.value, bar.pattern) for bar in row.bars] for row in chart.rows] == [
        [(4, "solid"), (2, "hatched")],
        [(0, "solid"), (1, "hatched")],
    ]
    assert [(item.label, item.pattern) for item in chart.legend] == [
        ("Commencées", "solid"),
        ("Déposées", "hatched"),
    ]
    assert chart.legend[1].x > chart.legend[0].text_x  # side by side, the first label before


def test_lengths_are_in_proportion_to_the_largest_value_and_values_follow_their_bars():
    chart = horizontal_bars(["a", "b", "c"], [("n", [200, 100, 0])])
    widths = [row.bars[0].width for row in chart.rows]
    assert widths == [ROOM, ROOM // 2, 0]
    assert [row.bars[0].text_x for row in chart.rows] == [charts.LABEL_WIDTH + w + 4 for w in widths]
    assert chart.bars_x == charts.LABEL_WIDTH
    assert max(bar.text_x for row in chart.rows for bar in row.bars) < chart.width


def test_a_small_value_still_shows_a_bar_and_zero_none():
    chart = horizontal_bars(["a", "b", "c"], [("n", [10_000, 1, 0])])
    assert [row.bars[0].width for row in chart.rows] == [ROOM, 2, 0]


def test_rows_do_not_overlap_and_the_chart_is_as_tall_as_its_rows():
    chart = horizontal_bars(["a", "b", "c"], [("n", [1, 2, 3]), ("m", [3, 2, 1])])
    tops = [bar.y for row in chart.rows for bar in row.bars]
    assert tops == sorted(tops)
    assert all(b - a >= charts.BAR_HEIGHT for a, b in zip(tops, tops[1:], strict=False))
    assert tops[0] >= charts.LEGEND_HEIGHT  # below the legend
    assert chart.height >= tops[-1] + charts.BAR_HEIGHT
    assert chart.width == charts.WIDTH  # a phone's width, whatever the number of rows


def test_a_fourth_series_takes_the_first_pattern_again():
    chart = horizontal_bars(["a"], [("w", [1]), ("x", [1]), ("y", [1]), ("z", [1])])
    assert [bar.pattern for bar in chart.rows[0].bars] == ["solid", "hatched", "dotted", "solid"]


def test_no_label_is_an_empty_chart():
    chart = horizontal_bars([], [("n", [])])
    assert chart.empty
    assert chart.height == charts.LEGEND_HEIGHT


def test_the_dashboard_draws_the_chart_with_the_figures_of_its_table(dataset, iut_agent, staff_client):
    html = staff_client(iut_agent).get("/gestion/").content.decode()
    chart = html.index('<div class="chart">')
    svg = html[chart : html.index("</svg>", chart)]
    written = [int(value) for value in re.findall(r"<text [^>]*>(\d+)</text>", svg)]
    table = html[html.index('<table class="figures">', chart) :]
    table = table[: table.index("</table>")]
    figures = [int(value) for value in re.findall(r"<td>(\d+)</td>", table)]
    assert written == figures  # day by day: started, then submitted
    assert sum(figures) == 9  # 6 started and 3 submitted (see the `dataset` fixture)
    assert svg.count("url(#pattern-hatched)") >= 1
