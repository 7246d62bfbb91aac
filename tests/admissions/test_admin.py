import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from matricule.admissions import forms
from matricule.admissions.models import Candidate, ImportRun

from .conftest import imported, submit


def url(name, *args):
    with translation.override("en"):
        return reverse(name, args=args)


def upload(client, content, name="admis.csv", year=None):
    """Upload the file; the import runs in the background (at once, in tests); the answer is the
    page the upload leads to (the run's progress page, or the form with its errors)."""
    data = {"file": SimpleUploadedFile(name, content, content_type="text/csv")}
    if year is not None:
        data["academic_year"] = year.pk
    response = submit(client, url("admin:admissions_importrun_upload"), data)
    if response.status_code != 302:
        return response
    return client.get(response["Location"], follow=True)


def report(client, run):
    return client.get(url("admin:admissions_importrun_report", run.pk))


def test_upload_page_offers_the_current_year(client, administrator, demo):
    client.force_login(administrator)

    response = client.get(url("admin:admissions_importrun_upload"))

    assert response.status_code == 200
    assert response.context["form"]["academic_year"].value() == demo.current_year.pk
    assert 'enctype="multipart/form-data"' in response.text
    assert "csrfmiddlewaretoken" in response.text


def test_upload_imports_in_the_background_and_the_progress_page_links_to_the_report(
    client, administrator, demo, sample_bytes
):
    client.force_login(administrator)
    data = {"file": SimpleUploadedFile("admis.csv", sample_bytes), "academic_year": demo.current_year.pk}

    response = submit(client, url("admin:admissions_importrun_upload"), data)

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("admin:admissions_importrun_progress", run.pk)
    assert (run.status, run.user, run.file_name, run.created) == ("done", administrator, "admis.csv", 5)
    assert imported().count() == 5
    page = client.get(response["Location"])
    assert "Status: Done" in page.text
    assert 'href="{}"'.format(url("admin:admissions_importrun_report", run.pk)) in page.text
    response = report(client, run)
    assert "“31/02/2006” is not a real date." in response.text
    assert "Offer code “XXX-9” is not mapped" in response.text
    assert "3 issues" in response.text


def test_upload_into_another_year(client, administrator, year_2024, sample_bytes):
    client.force_login(administrator)

    upload(client, sample_bytes, year=year_2024)

    assert imported(academic_year=year_2024).count() == 5


def test_upload_of_an_empty_file_is_refused(client, administrator, demo):
    client.force_login(administrator)

    response = upload(client, b"", year=demo.current_year)

    assert response.status_code == 200
    assert "The file is empty." in response.text
    assert not ImportRun.objects.exists()


def test_upload_of_a_spreadsheet_instead_of_its_csv_export_is_refused(client, administrator, demo):
    client.force_login(administrator)

    response = upload(client, b"PK\x03\x04\x14\x00\x06\x00", name="admis.xlsx", year=demo.current_year)
    assert "Choose a CSV file (ending in .csv)" in response.text

    response = upload(client, b"PK\x03\x04\x14\x00\x06\x00", name="admis.csv", year=demo.current_year)
    assert "This is not a CSV text file." in response.text
    assert "The file was not imported: see the reasons below." in response.text
    assert "Status: Failed" in response.text
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED
    assert not imported().exists()


def test_upload_with_a_missing_column_says_which(client, administrator, demo, sample_bytes):
    client.force_login(administrator)

    response = upload(client, sample_bytes.replace(b";email;", b";courriel;"), year=demo.current_year)

    assert "line 1, column email: Required column “email” is missing." in response.text


def test_upload_size_limit(client, administrator, demo, monkeypatch):
    monkeypatch.setattr(forms, "MAX_UPLOAD_BYTES", 10)
    client.force_login(administrator)

    response = upload(client, b"numero_parcoursup;nom\n", year=demo.current_year)

    assert "The file is too large" in response.text
    assert not ImportRun.objects.exists()


def test_upload_requires_staff(client, iut_agent, demo, sample_bytes):
    client.force_login(iut_agent)  # a registrar agent, not staff of the admin site

    response = client.post(
        url("admin:admissions_importrun_upload"),
        {"academic_year": demo.current_year.pk, "file": SimpleUploadedFile("admis.csv", sample_bytes)},
    )

    assert response.status_code == 302
    assert response.url.startswith(url("admin:login"))
    assert not ImportRun.objects.exists()


def test_upload_requires_csrf_token(administrator, demo, sample_bytes):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(administrator)

    response = client.post(
        url("admin:admissions_importrun_upload"),
        {"academic_year": demo.current_year.pk, "file": SimpleUploadedFile("admis.csv", sample_bytes)},
    )

    assert response.status_code == 403


def test_run_and_candidate_pages(client, administrator, demo, sample_bytes):
    client.force_login(administrator)
    upload(client, sample_bytes, year=demo.current_year)
    run = ImportRun.objects.get()

    assert client.get(url("admin:admissions_importrun_changelist")).status_code == 200
    response = client.get(url("admin:admissions_importrun_change", run.pk))
    assert response.status_code == 200
    assert "“31/02/2006” is not a real date." in response.text
    response = client.get(url("admin:admissions_importissue_changelist") + f"?run__id__exact={run.pk}")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 3

    def numbers(**query):
        response = client.get(url("admin:admissions_candidate_changelist"), query)
        assert response.status_code == 200
        return {c.parcoursup_number for c in response.context["cl"].result_list}

    assert numbers(q="P240012346") == {"240012346"}
    assert "1234570" in numbers(q="ines.garcia@example")
    situation_3 = numbers(situation__exact="3", academic_year__id__exact=demo.current_year.pk)
    assert "1234569" in situation_3 and "1234567" not in situation_3
    candidate = Candidate.objects.get(parcoursup_number="1234567")
    assert client.get(url("admin:admissions_candidate_change", candidate.pk)).status_code == 200


def test_the_report_page_lists_the_ignored_headers(client, administrator, demo, sample_bytes):
    client.force_login(administrator)
    content = sample_bytes.replace(b";boursier\n", b";boursier;Rang\n", 1)

    response = upload(client, content, year=demo.current_year)

    run = ImportRun.objects.get()
    assert (run.status, run.ignored_columns) == (ImportRun.Status.DONE, ["Rang"])
    assert "Columns ignored (not read by this import): Rang" in response.text
    assert "Columns ignored (not read by this import): Rang" in report(client, run).text


def test_upload_with_a_missing_column_names_the_closest_header(client, administrator, demo, sample_bytes):
    client.force_login(administrator)

    response = upload(client, sample_bytes.replace(b";email;", b";emial;"), year=demo.current_year)

    assert "line 1, column email: Required column “email” is missing." in response.text
    assert "Closest header in the file: “emial”." in response.text
    assert "Columns ignored (not read by this import): emial" in response.text
    # The run's report and its list of issues show the hint with its issue.
    run = ImportRun.objects.get()
    response = client.get(url("admin:admissions_importrun_report", run.pk))
    assert "Closest header in the file: “emial”." in response.text
    response = client.get(url("admin:admissions_importissue_changelist") + f"?run__id__exact={run.pk}")
    assert "Required column “email” is missing. Closest header in the file: “emial”." in response.text


# --- The run's progress page ----------------------------------------------------------------


def queue_upload(client, content, year):
    """Upload with the task worker idle: the run waits, queued."""
    response = submit(
        client,
        url("admin:admissions_importrun_upload"),
        {"file": SimpleUploadedFile("admis.csv", content), "academic_year": year.pk},
    )
    run = ImportRun.objects.get()
    assert response["Location"] == url("admin:admissions_importrun_progress", run.pk)
    return run


def head_of(html: str) -> str:
    return html.split("</head>", 1)[0]


def test_the_progress_page_refreshes_while_the_import_runs_then_shows_the_result(
    client, administrator, demo, sample_bytes, waiting_tasks
):
    from matricule.admissions.tasks import import_queued_run

    client.force_login(administrator)
    run = queue_upload(client, sample_bytes, demo.current_year)
    page_url = url("admin:admissions_importrun_progress", run.pk)
    fragment_url = url("admin:admissions_importrun_progress_fragment", run.pk)

    # Queued: without JavaScript the page reloads itself (the meta refresh, in the head only);
    # with it, htmx replaces the fragment every 2 s; no result yet.
    page = client.get(page_url)
    assert page.status_code == 200 and "no-cache" in page["Cache-Control"]
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in head_of(page.text)
    assert "http-equiv" not in page.text.split("</head>", 1)[1]
    assert f'hx-get="{fragment_url}?seen=queued" hx-trigger="every 2s" hx-swap="outerHTML"' in page.text
    assert 'src="/static/js/htmx.min.js"' in page.text
    assert '<p id="job-status" class="job-status" role="status">Status: Queued</p>' in page.text
    assert "<progress" in page.text and "Progress not known yet" in page.text
    assert "See the import report" not in page.text
    fragment = client.get(fragment_url, {"seen": "queued"}, headers={"HX-Request": "true"})
    assert fragment.text.startswith('<div id="job-progress"') and "<html" not in fragment.text
    assert 'hx-trigger="every 2s"' in fragment.text
    assert "hx-swap-oob" not in fragment.text  # the status the page shows has not changed

    assert import_queued_run.call(run.pk) == "done"

    # Done: the fragment stops the polling, says the new status out of band, shows the counts
    # and the link to the report; the page no longer refreshes.
    fragment = client.get(fragment_url, {"seen": "queued"}, headers={"HX-Request": "true"}).text
    assert "hx-trigger" not in fragment and "hx-get" not in fragment
    assert '<p id="job-status" hx-swap-oob="innerHTML">Status: Done</p>' in fragment
    assert '<progress id="job-progress-bar" max="100" value="100"' in fragment
    assert '<th scope="row">Lines read</th><td>7</td>' in fragment
    assert '<th scope="row">Created</th><td>5</td>' in fragment
    assert '<th scope="row">Rejected</th><td>1</td>' in fragment
    assert (
        f'<a href="{url("admin:admissions_importrun_report", run.pk)}">See the import report</a>' in fragment
    )
    page = client.get(page_url).text
    assert "http-equiv" not in page and "hx-trigger" not in page
    assert "Status: Done" in page and "See the import report" in page


def test_the_automatic_refresh_can_be_stopped(client, administrator, demo, sample_bytes, waiting_tasks):
    client.force_login(administrator)
    run = queue_upload(client, sample_bytes, demo.current_year)
    page_url = url("admin:admissions_importrun_progress", run.pk)

    page = client.get(page_url).text
    assert "This page refreshes itself every 2 seconds." in page and 'href="?manuel=1"' in page

    page = client.get(page_url, {"manuel": "1"}).text
    assert "http-equiv" not in page and "hx-trigger" not in page
    assert 'href="?manuel=1">Refresh</a>' in page and "Refresh this page automatically again" in page


def test_the_progress_bar_counts_lines_read_of_the_files_lines(client, administrator, demo, waiting_tasks):
    client.force_login(administrator)
    run = queue_upload(client, b"numero_parcoursup;nom\n", demo.current_year)
    ImportRun.objects.filter(pk=run.pk).update(status="running", lines_total=200, lines_read=50, created=49)

    fragment = client.get(url("admin:admissions_importrun_progress_fragment", run.pk)).text

    assert (
        '<progress id="job-progress-bar" max="100" value="25" aria-describedby="job-progress-text">'
        in fragment
    )
    assert "25 % done" in fragment
    assert '<th scope="row">Created</th><td>49</td>' in fragment


def test_a_failed_import_shows_failed_and_why(client, administrator, demo, sample_bytes):
    client.force_login(administrator)

    page = upload(client, sample_bytes.replace(b";email;", b";emial;"), year=demo.current_year).text

    assert "Status: Failed" in page and "http-equiv" not in page and "hx-trigger" not in page
    assert "<progress" not in page  # no bar for a job that failed
    assert "The file was not imported: see the reasons below." in page
    assert "line 1, column email: Required column “email” is missing." in page
    assert "See the import report" in page


def test_the_progress_page_is_for_staff_who_may_import(client, administrator, demo, sample_bytes):
    from django.contrib.auth.models import Permission

    client.force_login(administrator)
    upload(client, sample_bytes, year=demo.current_year)
    run = ImportRun.objects.get()
    pages = [
        url("admin:admissions_importrun_progress", run.pk),
        url("admin:admissions_importrun_progress_fragment", run.pk),
    ]

    # Admin staff without the permission to import: refused.
    administrator.is_superuser = False
    administrator.save()
    administrator.user_permissions.add(Permission.objects.get(codename="view_importrun"))
    client.force_login(administrator)
    for page in pages:
        assert client.get(page).status_code == 403
    # With it: allowed.
    administrator.user_permissions.add(Permission.objects.get(codename="add_importrun"))
    client.force_login(administrator)
    for page in pages:
        assert client.get(page).status_code == 200


def test_the_progress_page_of_a_results_import_needs_the_results_permission(client, administrator, demo):
    from django.contrib.auth.models import Permission

    from matricule.admissions.services import start_import

    run = start_import("results", io.BytesIO(b"numero_etudiant\n"), academic_year=demo.current_year)
    administrator.is_superuser = False
    administrator.save()
    administrator.user_permissions.add(Permission.objects.get(codename="add_importrun"))
    client.force_login(administrator)
    assert client.get(url("admin:admissions_importrun_progress", run.pk)).status_code == 403
    administrator.user_permissions.add(Permission.objects.get(codename="add_result"))
    client.force_login(administrator)
    assert client.get(url("admin:admissions_importrun_progress", run.pk)).status_code == 200


def test_the_progress_page_is_not_for_people_outside_the_admin(client, iut_agent, administrator, demo):
    from matricule.admissions.services import start_import

    run = start_import("admissions", io.BytesIO(b"x\n"), academic_year=demo.current_year, user=administrator)
    client.force_login(iut_agent)  # a registrar agent, not staff of the admin site

    response = client.get(url("admin:admissions_importrun_progress_fragment", run.pk))

    assert response.status_code == 302 and response.url.startswith(url("admin:login"))
    assert client.get(url("admin:admissions_importrun_progress", 999999)).status_code == 302


def test_the_progress_page_in_french(client, administrator, demo, sample_bytes):
    client.force_login(administrator)
    upload(client, sample_bytes, year=demo.current_year)
    run = ImportRun.objects.get()

    with translation.override("fr"):
        page = client.get(reverse("admin:admissions_importrun_progress", args=[run.pk])).text

    assert '<html lang="fr"' in page
    assert "Terminé" in page and "Décomptes" in page and "Lignes lues" in page


def test_a_run_links_to_its_progress_page(client, administrator, demo, sample_bytes):
    client.force_login(administrator)
    upload(client, sample_bytes, year=demo.current_year)
    run = ImportRun.objects.get()

    page = client.get(url("admin:admissions_importrun_change", run.pk)).text

    assert f'href="{url("admin:admissions_importrun_progress", run.pk)}"' in page
