"""The progress of a long job as the shared progress page shows it (`matricule/progress.py`,
`templates/jobs/`): the bar's value, and what the page and its fragment hold while the job runs
and once it is over, with and without JavaScript."""

import pytest
from django.test import RequestFactory
from django.utils import translation

from matricule.progress import Progress, render_progress


def progress(**changes) -> Progress:
    values = {
        "title": "Import",
        "status": "running",
        "status_label": "Running",
        "finished": False,
        "fragment_url": "/jobs/1/fragment/",
        "done": 30,
        "total": 120,
        "counts": [("lines read", 30), ("created", 29)],
    }
    return Progress(**{**values, **changes})


@pytest.mark.parametrize(
    ("changes", "percent"),
    [
        ({}, 25),
        ({"total": None}, None),  # not known yet: a bar without value
        ({"total": 0}, None),
        ({"done": 500}, 100),  # an estimate overrun: never past the end
        ({"finished": True, "done": 3}, 100),
        ({"finished": True, "failed": True}, None),
    ],
)
def test_the_bar_shows_how_much_is_done(changes, percent):
    assert progress(**changes).percent == percent


def render(job: Progress, *, fragment=False, **query):
    request = RequestFactory().get("/jobs/1/", query)
    with translation.override("en"):
        response = render_progress(request, job, base_template="jobs/test_base.html", fragment=fragment)
        response.render()
    return response.content.decode()


@pytest.fixture(autouse=True)
def test_base(settings):
    """A bare page for the progress page to extend, with the two blocks every base places."""
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "loaders": [
                    (
                        "django.template.loaders.locmem.Loader",
                        {
                            "jobs/test_base.html": "<head>{% block job_head %}{% endblock %}</head>"
                            "<main>{% block job_content %}{% endblock %}</main>"
                        },
                    ),
                    "django.template.loaders.filesystem.Loader",
                    "django.template.loaders.app_directories.Loader",
                ],
            },
            "APP_DIRS": False,
        }
    ]


def test_while_running_the_page_refreshes_without_javascript_and_polls_with_it():
    page = render(progress())
    head, main = page.split("</head>")

    assert head == '<head><noscript><meta http-equiv="refresh" content="2"></noscript>'
    assert 'hx-get="/jobs/1/fragment/?seen=running" hx-trigger="every 2s" hx-swap="outerHTML"' in main
    assert '<p id="job-status" class="job-status" role="status">Status: Running</p>' in main
    assert (
        '<progress id="job-progress-bar" max="100" value="25" aria-describedby="job-progress-text">25 %'
        in main
    )
    assert '<label for="job-progress-bar">Progress</label>' in main and "25 % done" in main
    assert '<tr><th scope="row">Lines read</th><td>30</td></tr>' in main


def test_once_over_nothing_refreshes_and_the_result_shows():
    job = progress(
        status="done",
        status_label="Done",
        finished=True,
        result_url="/jobs/1/report/",
        result_label="See the report",
        notes=["Columns ignored: Rang"],
    )

    page = render(job)
    fragment = render(job, fragment=True, seen="running")

    assert "http-equiv" not in page and "hx-" not in page
    assert '<p id="job-result"><a href="/jobs/1/report/">See the report</a></p>' in page
    assert "<li>Columns ignored: Rang</li>" in page
    assert fragment.startswith('<div id="job-progress" class="job-progress">')
    assert "hx-trigger" not in fragment and "hx-get" not in fragment
    # The status sentence, which stays on the page, is updated out of band: it changed.
    assert fragment.rstrip().endswith('<p id="job-status" hx-swap-oob="innerHTML">Status: Done</p>')


def test_the_status_sentence_is_sent_only_when_it_changed():
    assert "hx-swap-oob" not in render(progress(), fragment=True, seen="running")
    assert "hx-swap-oob" in render(progress(), fragment=True, seen="queued")
    assert "hx-swap-oob" not in render(progress(), fragment=True)  # not asked by the page's htmx


def test_a_failed_job_has_no_bar():
    page = render(progress(status="failed", status_label="Failed", finished=True, failed=True))

    assert "<progress" not in page and "Status: Failed" in page


def test_the_reader_may_stop_the_automatic_refresh():
    running = render(progress())
    assert "<p>This page refreshes itself every 2 seconds.</p>" in running
    assert '<p><a href="?manuel=1">Stop the automatic refresh</a></p>' in running

    stopped = render(progress(), manuel="1")

    assert "http-equiv" not in stopped and "hx-trigger" not in stopped
    assert '<a href="?manuel=1">Refresh</a>' in stopped and '<a href="?">' in stopped


def test_the_answer_is_never_cached():
    request = RequestFactory().get("/jobs/1/")
    response = render_progress(request, progress(), base_template="jobs/test_base.html")

    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
