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
    chart = html.rindex('<div class="chart">', 0, html.index('id="per-day-chart-title"'))
    svg = html[chart : html.index("</svg>", chart)]
    written = [int(value) for value in re.findall(r"<text [^>]*>(\d+)</text>", svg)]
    table = html[html.index('<table class="figures">', chart) :]
    table = table[: table.index("</table>")]
    # A figure of the table is a link to the day's registrations, or 0.
    figures = [int(value) for value in re.findall(r"<td>(?:<a [^>]*>)?(\d+)(?:</a>)?</td>", table)]
    assert written == figures  # day by day: started, then submitted
    assert sum(figures) == 9  # 6 started and 3 submitted (see the `dataset` fixture)
    assert svg.count("url(#pattern-hatched)") >= 1


def test_a_chart_as_svg_scales_has_a_name_and_escapes_its_labels():
    chart = horizontal_bars(["<b>Admis</b>", "Inscrits"], [("n", [4, 2])], label_width=80)
    svg = str(charts.svg(chart, chart_id="c1", title="Entonnoir", description="Admis 4, inscrits 2"))
    assert svg.startswith('<svg class="chart__svg" width="100%" viewBox="0 0 328 ')
    assert 'role="img" aria-labelledby="c1-title c1-desc"' in svg
    assert '<title id="c1-title">Entonnoir</title><desc id="c1-desc">Admis 4, inscrits 2</desc>' in svg
    assert "&lt;b&gt;Admis&lt;/b&gt;" in svg and "<b>" not in svg
    assert re.findall(r"<text [^>]*>(\d+)</text>", svg) == ["4", "2"]
    assert chart.rows[0].bars[0].text_x == 80 + chart.rows[0].bars[0].width + 4
    # Valid XML, each id once.
    import xml.etree.ElementTree as ET

    root = ET.fromstring(svg)  # noqa: S314 (our own markup)
    ids = [element.get("id") for element in root.iter() if element.get("id")]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("c1-") for i in ids)


def test_the_second_series_is_drawn_with_this_charts_own_pattern():
    chart = horizontal_bars(["a"], [("x", [1]), ("y", [2])])
    svg = str(charts.svg(chart, chart_id="c2", title="t"))
    assert 'fill="url(#c2-hatched)"' in svg and 'id="c2-hatched"' in svg


def test_label_room_follows_the_longest_label_within_bounds():
    assert charts.label_width_for(["a"]) == charts.LABEL_WIDTH
    assert charts.label_width_for(["Documents complete"]) == round(6.5 * 18) + 8
    assert charts.label_width_for(["x" * 100]) == 150


def test_every_chart_of_the_dashboard_writes_the_figures_of_its_table(dataset, demo, iut_agent, staff_client):
    from matricule.backoffice.dashboard import refresh_snapshot

    refresh_snapshot(demo.current_year.pk)  # the summary, as the task queue stores it
    html = staff_client(iut_agent).get("/gestion/").content.decode()
    for chart_id in ("funnel-chart", "documents-age-chart"):
        start = html.index(f'id="{chart_id}-title"')
        svg = html[start : html.index("</svg>", start)]
        written = [int(value) for value in re.findall(r"<text [^>]*>(\d+)</text>", svg)]
        table = html[html.index("<table", start) :]
        table = table[: table.index("</table>")]
        assert written, chart_id
        if chart_id == "funnel-chart":
            footer = table[table.index("<tfoot>") :]
            figures = [int(v) for v in re.findall(r"<td>(?:<a [^>]*>)?(\d+|—)", footer) if v != "—"]
            # admitted, (not started: not a bar), started, submitted, registered, complete
            assert written == [figures[0], *figures[2:]]
            assert written[0] == 5
        else:
            body = table[: table.index("<tfoot>")]
            assert written == [int(v) for v in re.findall(r"<td>(?:<a [^>]*>)?(\d+)", body)]
