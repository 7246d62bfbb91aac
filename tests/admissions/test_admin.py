from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from matricule.admissions import forms
from matricule.admissions.models import Candidate, ImportRun

from .conftest import imported


def url(name, *args):
    with translation.override("en"):
        return reverse(name, args=args)


def upload(client, content, name="admis.csv", year=None):
    data = {"file": SimpleUploadedFile(name, content, content_type="text/csv")}
    if year is not None:
        data["academic_year"] = year.pk
    return client.post(url("admin:admissions_importrun_upload"), data, follow=True)


def test_upload_page_offers_the_current_year(client, administrator, demo):
    client.force_login(administrator)

    response = client.get(url("admin:admissions_importrun_upload"))

    assert response.status_code == 200
    assert response.context["form"]["academic_year"].value() == demo.current_year.pk
    assert 'enctype="multipart/form-data"' in response.text
    assert "csrfmiddlewaretoken" in response.text


def test_upload_imports_and_shows_the_report(client, administrator, demo, sample_bytes):
    client.force_login(administrator)

    response = upload(client, sample_bytes, year=demo.current_year)

    run = ImportRun.objects.get()
    assert response.redirect_chain == [(url("admin:admissions_importrun_report", run.pk), 302)]
    assert (run.user, run.file_name, run.created) == (administrator, "admis.csv", 5)
    assert "“31/02/2006” is not a real date." in response.text
    assert "Offer code “XXX-9” is not mapped" in response.text
    assert "3 issues" in response.text
    assert imported().count() == 5


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
    assert "The file was not imported." in response.text
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
