from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from matricule.admissions.models import ImportRun, Result
from matricule.audit.models import Event
from tests.admissions.conftest import submit

SAMPLE = Path(__file__).parent / "data" / "resultats.csv"
UPLOAD = "admin:admissions_importrun_upload_results"


def url(name, *args, language="fr"):
    with translation.override(language):
        return reverse(name, args=args)


def upload(client, content, name="resultats.csv", year=None, language="fr"):
    """Upload the file; the import runs in the background (at once, in tests); the answer is the
    run's report, reached from its progress page (or the form with its errors)."""
    data = {"file": SimpleUploadedFile(name, content, content_type="text/csv")}
    if year is not None:
        data["academic_year"] = year.pk
    response = submit(client, url(UPLOAD, language=language), data)
    if response.status_code != 302:
        return response
    run = ImportRun.objects.order_by("pk").last()
    assert response["Location"] == url("admin:admissions_importrun_progress", run.pk, language=language)
    assert client.get(response["Location"]).status_code == 200
    return client.get(url("admin:admissions_importrun_report", run.pk, language=language))


def imported_numbers():
    return sorted(Result.objects.filter(import_run__isnull=False).values_list("student_number", flat=True))


def test_upload_page_is_listed_beside_the_admissions_one(client, administrator, demo):
    client.force_login(administrator)

    response = client.get(url("admin:admissions_importrun_changelist"))

    assert response.status_code == 200
    assert f'href="{url("admin:admissions_importrun_upload")}"' in response.text
    assert f'href="{url(UPLOAD)}"' in response.text
    assert "Importer un fichier des résultats de l'an dernier" in response.text
    response = client.get(url("admin:admissions_result_changelist"))
    assert f'href="{url(UPLOAD)}"' in response.text


def test_upload_page_offers_the_current_campaign(client, administrator, demo):
    client.force_login(administrator)

    response = client.get(url(UPLOAD))

    assert response.status_code == 200
    assert response.context["form"]["academic_year"].value() == demo.current_year.pk
    assert "Fichier CSV des résultats de l&#x27;an dernier" in response.text
    assert 'enctype="multipart/form-data"' in response.text
    assert "csrfmiddlewaretoken" in response.text


def test_upload_imports_and_shows_the_report(client, administrator, demo):
    client.force_login(administrator)

    response = upload(client, SAMPLE.read_bytes(), year=demo.current_year)

    run = ImportRun.objects.get()
    assert (run.kind, run.user, run.file_name, run.created) == (
        ImportRun.Kind.RESULTS,
        administrator,
        "resultats.csv",
        5,
    )
    assert imported_numbers() == ["24000001", "24000002", "24000003", "24000004", "24000005"]
    text = response.text
    assert "« XYZ » ne fait pas partie des valeurs acceptées : ADM, AJAC, AJ, DEF, EXC, DIP." in text
    assert "24000006" in text  # whose line it is
    assert "1 anomalie" in text
    assert {str(label): value for label, value in response.context["counts"]} == {
        "lignes lues": 6,
        "créés": 5,
        "mis à jour": 0,
        "inchangés": 0,
        "rejetés": 1,
    }
    assert "non rattaché" not in text  # no admissions-only counts


def test_upload_in_english(client, administrator, demo):
    client.force_login(administrator)

    response = upload(client, SAMPLE.read_bytes(), year=demo.current_year, language="en")

    assert "“XYZ” is not one of the accepted values: ADM, AJAC, AJ, DEF, EXC, DIP." in response.text
    assert "Student number" in response.text


def test_upload_again_reports_unchanged(client, administrator, demo):
    client.force_login(administrator)
    upload(client, SAMPLE.read_bytes(), year=demo.current_year)

    response = upload(client, SAMPLE.read_bytes(), year=demo.current_year)

    run = ImportRun.objects.order_by("pk").last()
    assert (run.created, run.unchanged) == (0, 5)
    assert {str(label): value for label, value in response.context["counts"]}["inchangés"] == 5
    assert len(imported_numbers()) == 5


def test_upload_of_an_unusable_file_says_why_and_imports_nothing(client, administrator, demo):
    client.force_login(administrator)

    response = upload(client, SAMPLE.read_bytes().replace(b"resultat\n", b"note\n"), year=demo.current_year)

    assert response.status_code == 200
    assert "La colonne obligatoire « resultat » est absente." in response.text
    assert 'role="alert"' in response.text
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert imported_numbers() == []
    # The progress page says it failed, and why.
    page = client.get(url("admin:admissions_importrun_progress", run.pk)).text
    assert "Échec" in page and "La colonne obligatoire « resultat » est absente." in page

    response = upload(client, b"PK\x03\x04\x14\x00\x06\x00", year=demo.current_year)
    assert "Ce n&#x27;est pas un fichier texte CSV." in response.text
    assert imported_numbers() == []


def test_report_of_a_failed_run(client, administrator, demo):
    client.force_login(administrator)
    upload(client, SAMPLE.read_bytes().replace(b";", b","), year=demo.current_year)
    run = ImportRun.objects.get()

    response = client.get(url("admin:admissions_importrun_report", run.pk))

    assert response.status_code == 200
    assert response.templates[0].name == "admin/admissions/import_report.html"
    assert "Les colonnes doivent être séparées par des points-virgules (;)." in response.text


def test_upload_requires_staff(client, iut_agent, demo):
    client.force_login(iut_agent)  # a registrar agent, not staff of the admin site

    response = client.post(
        url(UPLOAD),
        {"academic_year": demo.current_year.pk, "file": SimpleUploadedFile("r.csv", SAMPLE.read_bytes())},
    )

    assert response.status_code == 302
    assert response.url.startswith(url("admin:login"))
    assert not ImportRun.objects.exists()


def test_upload_requires_the_permission(client, administrator, demo):
    administrator.is_superuser = False
    administrator.save()
    client.force_login(administrator)

    response = client.get(url(UPLOAD))

    assert response.status_code == 403


def test_result_list_filters_and_search(client, administrator, demo, django_assert_max_num_queries):
    client.force_login(administrator)
    upload(client, SAMPLE.read_bytes(), year=demo.current_year)

    def numbers(**query):
        response = client.get(url("admin:admissions_result_changelist"), query)
        assert response.status_code == 200
        return sorted(r.student_number for r in response.context["cl"].result_list)

    assert numbers(q="24000003") == ["24000003"]
    assert numbers(q="2400000") == ["24000001", "24000002", "24000003", "24000004", "24000005"]
    assert numbers(result__exact="AJ", year_code="2023-2024") == ["24000002"]
    with django_assert_max_num_queries(12):
        assert len(numbers()) == Result.objects.count()
    result = Result.objects.get(student_number="24000004")
    response = client.get(url("admin:admissions_result_change", result.pk))
    assert response.status_code == 200


def test_deleting_a_result_is_audited(client, administrator, demo):
    client.force_login(administrator)
    upload(client, SAMPLE.read_bytes(), year=demo.current_year)
    result = Result.objects.get(student_number="24000004")

    response = client.post(url("admin:admissions_result_delete", result.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Result.objects.filter(pk=result.pk).exists()
    event = Event.objects.get(action="admissions.result.deleted")
    assert (event.actor, event.data["student_number"], event.data["result"]) == (
        administrator,
        "24000004",
        "EXC",
    )
