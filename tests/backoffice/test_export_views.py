"""The export page (`export_views.py`): access, CSV and XLSX downloads, remembered columns,
background jobs. The dataset (`exports`) is in conftest.py."""

import datetime
import io
import re

import pytest
from django.urls import resolve
from django.utils import translation

from matricule.accounts.models import ComponentMembership
from matricule.audit.models import Event
from matricule.backoffice.exports import get_exporter
from matricule.backoffice.models import ExportJob, ExportPreference
from matricule.institution.models import Component
from tests.backoffice.conftest import export_job

URL = "/gestion/exports/"


def french_labels(code, columns):
    with translation.override("fr"):
        return [str(column.label) for column in get_exporter(code).chosen(columns)]


def post_export(
    client,
    exports,
    code="registrations",
    columns=("student_number", "last_name", "stage_code"),
    fmt="csv",
    **filters,
):
    return client.post(
        URL, {"export": code, "year": exports.year.pk, "columns": list(columns), "format": fmt, **filters}
    )


def checked_columns(html: str) -> list[str]:
    return [
        value
        for tag in re.findall(r"<input[^>]*name=\"columns\"[^>]*>", html)
        if " checked" in tag
        for value in re.findall(r'value="([^"]+)"', tag)
    ]


@pytest.mark.parametrize("path", [URL, f"{URL}1/telecharger/", f"{URL}1/suivi/", f"{URL}1/suivi/fragment/"])
def test_the_export_views_carry_the_staff_decorator(path):
    assert getattr(resolve(path).func, "staff_view", False)


def test_anonymous_visitors_are_sent_to_the_staff_sign_in_and_students_get_a_404(client, exports):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/gestion/connexion/")
    client.force_login(exports.chloe.student.user)
    assert client.get(URL).status_code == 404


def test_the_page_offers_every_export_with_the_default_columns_checked(
    client, exports, iut_agent, django_assert_max_num_queries
):
    client.force_login(iut_agent)
    with django_assert_max_num_queries(12):
        response = client.get(URL, {"export": "payments"})
    html = response.content.decode()
    assert response.status_code == 200
    for code in ("registrations", "payments", "documents", "sise"):
        assert f"?export={code}" in html
    assert 'aria-current="page"' in html
    assert checked_columns(html) == get_exporter("payments").default_columns
    # Only the agent's stages can be chosen as a filter.
    assert "GEII-1" in html and "INFO-1" not in html
    assert client.get("/en" + URL).status_code == 200


def test_csv_export_streams_with_a_bom_semicolons_and_the_chosen_columns(client, exports, iut_agent):
    client.force_login(iut_agent)
    columns = ["student_number", "last_name", "first_names", "stage_code"]
    response = post_export(client, exports, columns=reversed(columns), state="registered")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.match(
        r'attachment; filename="registrations-\d{4}-\d{4}-\d{8}-\d{4}\.csv"', response["Content-Disposition"]
    )
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")
    lines = content.decode("utf-8-sig").splitlines()
    assert lines[0].split(";") == french_labels("registrations", columns)  # declared order kept
    assert sorted(lines[1:]) == sorted(
        [
            f"{exports.chloe.student.student_number};LEFÈVRE;Chloé;GEII-1",
            f"{exports.nadia.student.student_number};BENALI;Nadia;GMP-1",
        ]
    )
    event = Event.objects.get(action="backoffice.export.streamed")
    assert (event.actor, event.data["rows"], event.data["filters"]) == (iut_agent, 2, {"state": "registered"})


def test_xlsx_export_holds_exactly_the_chosen_columns_for_the_expected_rows(client, exports, iut_agent):
    from openpyxl import load_workbook

    client.force_login(iut_agent)
    columns = ["last_name", "first_names", "birth_date", "sex", "regime_code"]
    response = post_export(client, exports, code="sise", columns=columns, fmt="xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == french_labels("sise", columns)
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"LEFÈVRE", "BENALI"}
    # Columns in their declared order (sex before the birth date), dates as dates.
    assert by_name["LEFÈVRE"][2:4] == (
        "F",
        datetime.datetime.combine(exports.chloe.student.birth_date, datetime.time()),
    )
    assert by_name["BENALI"][4] == "21"


def test_the_chosen_columns_are_remembered_per_agent_and_export(client, exports, iut_agent, other_agent):
    client.force_login(iut_agent)
    post_export(client, exports, code="documents", columns=["stage_code", "last_name"])
    preference = ExportPreference.objects.get(user=iut_agent, exporter="documents")
    assert preference.columns == ["last_name", "stage_code"]
    html = client.get(URL, {"export": "documents"}).content.decode()
    assert checked_columns(html) == ["last_name", "stage_code"]
    # Other exports and other agents keep the defaults.
    assert checked_columns(client.get(URL).content.decode()) == get_exporter("registrations").default_columns
    client.force_login(other_agent)
    html = client.get(URL, {"export": "documents"}).content.decode()
    assert checked_columns(html) == get_exporter("documents").default_columns


def test_choosing_no_column_shows_the_error_summary(client, exports, iut_agent):
    client.force_login(iut_agent)
    response = post_export(client, exports, columns=[])
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html and 'href="#id_columns"' in html
    assert not ExportJob.objects.exists()


def test_a_stage_outside_the_agents_components_cannot_be_chosen(client, exports, other_agent):
    client.force_login(other_agent)
    response = post_export(client, exports, stage=exports.chloe.stage_id)
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_an_auditor_may_export(client, exports, django_user_model):
    auditor = django_user_model.objects.create(username="auditor.chartres")
    ComponentMembership.objects.create(
        user=auditor,
        component=Component.objects.get(code="iut-chartres"),
        role=ComponentMembership.Role.AUDITOR,
    )
    client.force_login(auditor)
    response = post_export(client, exports, code="payments", columns=["reference"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[1:] == ["EXP-1", "EXP-2"]


@pytest.fixture
def queued_job(client, exports, iut_agent, settings, django_capture_on_commit_callbacks):
    settings.MATRICULE_EXPORT_SYNC_MAX_ROWS = 1
    client.force_login(iut_agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_export(client, exports, columns=["last_name", "stage_code"])
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{URL}{job.pk}/suivi/"  # its progress page
    return job


def test_a_large_export_goes_through_the_task_queue_and_downloads(client, queued_job, iut_agent):
    job = queued_job
    assert (job.user, job.exporter, job.format, job.status, job.rows) == (
        iut_agent,
        "registrations",
        "csv",
        "done",
        3,
    )
    assert job.params["columns"] == ["last_name", "stage_code"]
    html = client.get(URL).content.decode()
    assert f"/gestion/exports/{job.pk}/telecharger/" in html
    assert "hx-trigger" not in html  # nothing left to wait for
    response = client.get(f"/gestion/exports/{job.pk}/telecharger/")
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].split(";") == french_labels("registrations", ["last_name", "stage_code"])
    assert sorted(lines[1:]) == ["BENALI;GMP-1", "GARCIA;GEA-1", "LEFÈVRE;GEII-1"]
    assert Event.objects.filter(action="backoffice.export.downloaded", actor=iut_agent).count() == 1


def test_only_the_jobs_owner_may_download_it_or_follow_it(client, queued_job, other_agent, administrator):
    for someone in (other_agent, administrator):
        client.force_login(someone)
        assert client.get(f"/gestion/exports/{queued_job.pk}/telecharger/").status_code == 404
        assert client.get(f"/gestion/exports/{queued_job.pk}/suivi/").status_code == 404
        assert client.get(f"/gestion/exports/{queued_job.pk}/suivi/fragment/").status_code == 404
        assert f"/gestion/exports/{queued_job.pk}/" not in client.get(URL).content.decode()


def test_a_job_not_ready_yet_is_polled_and_not_downloadable(client, exports, iut_agent):
    job = export_job(iut_agent, exports.year, "sise", columns=["ine"], format="xlsx")
    client.force_login(iut_agent)
    html = client.get(URL).content.decode()
    assert 'hx-trigger="every 5s"' in html
    part = client.get(URL, {"part": "jobs"}, headers={"HX-Request": "true"}).content.decode()
    assert part.startswith('<div id="jobs-list"') and "<h1" not in part
    assert client.get(f"/gestion/exports/{job.pk}/telecharger/").status_code == 404


# --- The progress page of an export prepared in the background ------------------------------------


def test_the_progress_page_of_a_finished_export_offers_the_file(client, queued_job):
    page = client.get(f"{URL}{queued_job.pk}/suivi/")
    html = page.content.decode()
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert "http-equiv" not in html and "hx-trigger" not in html
    assert "Prêt" in html and '<tr><th scope="row">Lignes</th><td>3</td></tr>' in html
    assert '<progress id="job-progress-bar" max="100" value="100"' in html
    download = (
        f'<a href="/gestion/exports/{queued_job.pk}/telecharger/">Télécharger {queued_job.file_name}</a>'
    )
    assert download in html
    assert f'href="{URL}?export=registrations#jobs"' in html  # back to the agent's exports


def test_the_progress_page_of_a_waiting_export_polls_then_stops(client, exports, iut_agent):
    from matricule.backoffice.exports import services

    job = ExportJob.objects.create(
        user=iut_agent,
        exporter="registrations",
        format="csv",
        params={"year": exports.year.pk, "columns": ["last_name"], "filters": {}, "expected_rows": 3},
    )
    client.force_login(iut_agent)
    fragment_url = f"{URL}{job.pk}/suivi/fragment/"

    html = client.get(f"{URL}{job.pk}/suivi/").content.decode()
    head, body = html.split("</head>")
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in head
    assert f'hx-get="{fragment_url}?seen=queued" hx-trigger="every 2s" hx-swap="outerHTML"' in body
    assert "En attente" in body and "telecharger" not in body
    fragment = client.get(fragment_url, {"seen": "queued"}, headers={"HX-Request": "true"}).content.decode()
    assert fragment.startswith('<div id="job-progress"') and 'hx-trigger="every 2s"' in fragment
    assert "<h1" not in fragment
    # The recent exports list links to it while it waits.
    assert f'href="{URL}{job.pk}/suivi/"' in client.get(URL).content.decode()

    assert services.run_job(job.pk) == 3

    fragment = client.get(fragment_url, {"seen": "queued"}, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in fragment and 'hx-swap-oob="innerHTML"' in fragment
    assert f"/gestion/exports/{job.pk}/telecharger/" in fragment
    assert "http-equiv" not in client.get(f"{URL}{job.pk}/suivi/").content.decode()


def test_the_progress_page_of_a_failed_export_says_so(client, exports, iut_agent):
    job = ExportJob.objects.create(
        user=iut_agent, exporter="sise", format="xlsx", params={}, status=ExportJob.Status.FAILED
    )
    client.force_login(iut_agent)

    with translation.override("en"):
        html = client.get(f"/en{URL}{job.pk}/suivi/").content.decode()

    assert "Status: Failed" in html and "hx-trigger" not in html and "<progress" not in html
    assert "The export could not be prepared." in html and "telecharger" not in html
