"""The review queue's files (backoffice/document_queue.py): oldest first across the agent's
stages, only their components, counted up to a cap, read from an index per stage."""

import datetime

import pytest
from django.utils import timezone

from matricule.backoffice import document_queue
from matricule.documents.models import DocumentType, Submission
from matricule.registration.models import Registration

from .conftest import make_registrations


def waiting_since(registration, *ages_in_hours):
    """Documents of the registration waiting for review, sent that many hours ago."""
    now = timezone.now()
    types = DocumentType.objects.filter(code__in=["identity", "photo", "bac"]).order_by("code")
    for document_type, hours in zip(types, ages_in_hours, strict=False):
        Submission.objects.create(
            registration=registration,
            document_type=document_type,
            status="submitted",
            submitted_at=now - datetime.timedelta(hours=hours),
        )
    return registration


@pytest.fixture
def files(demo):
    """Three Chartres files in two stages and one of Orléans, by age of their oldest document."""
    year = demo.current_year
    geii = make_registrations("GEII-1", 2, "registered", year)
    [gea] = make_registrations("GEA-1", 1, "registered", year)
    [info] = make_registrations("INFO-1", 1, "registered", year)
    return {
        "geii_new": waiting_since(geii[0], 1),
        "gea_mid": waiting_since(gea, 5, 2),
        "geii_old": waiting_since(geii[1], 3, 9),
        "info_oldest": waiting_since(info, 20),
    }


def test_the_oldest_files_of_the_agents_stages_come_first_merged_across_stages(files, iut_agent):
    assert document_queue.oldest_file_ids(iut_agent) == [
        files["geii_old"].pk,  # 9 hours (its oldest document)
        files["gea_mid"].pk,  # 5 hours, another stage
        files["geii_new"].pk,
    ]
    assert document_queue.oldest_file_ids(iut_agent, 2) == [files["geii_old"].pk, files["gea_mid"].pk]
    assert document_queue.oldest_file_ids(iut_agent, 1, exclude=files["geii_old"].pk) == [files["gea_mid"].pk]


def test_another_component_sees_its_own_files_and_an_administrator_all(files, other_agent, administrator):
    assert document_queue.oldest_file_ids(other_agent) == [files["info_oldest"].pk]
    assert document_queue.oldest_file_ids(administrator) == [
        files[key].pk for key in ("info_oldest", "geii_old", "gea_mid", "geii_new")
    ]


def test_the_count_stops_at_its_cap_and_says_there_are_more(files, iut_agent, monkeypatch):
    assert document_queue.count_files(iut_agent) == (3, False)
    monkeypatch.setattr(document_queue, "COUNT_CAP", 2)
    assert document_queue.count_files(iut_agent) == (2, True)


def test_a_file_whose_documents_changed_behind_the_services_back_is_skipped(files, iut_agent):
    Submission.objects.filter(registration=files["gea_mid"]).update(status="validated")  # no signal
    rows = document_queue.queue_rows(iut_agent)
    assert [(r.pk, r.waiting) for r in rows] == [(files["geii_old"].pk, 2), (files["geii_new"].pk, 1)]
    assert Registration.objects.get(pk=files["gea_mid"].pk).documents_waiting_since is not None


def test_the_queue_page_counts_files_and_says_more_past_the_cap(
    files, iut_agent, staff_client, monkeypatch, django_assert_max_num_queries
):
    client = staff_client(iut_agent)
    html = client.get("/gestion/pieces/").content.decode()
    assert "3 dossiers ont des pièces en attente" in html
    assert html.index(f"/gestion/pieces/{files['geii_old'].pk}/") < html.index(
        f"/gestion/pieces/{files['geii_new'].pk}/"
    )
    assert f"/gestion/pieces/{files['info_oldest'].pk}/" not in html
    monkeypatch.setattr(document_queue, "COUNT_CAP", 2)
    with django_assert_max_num_queries(14):  # the same whatever the number of files
        html = client.get("/gestion/pieces/").content.decode()
    assert "Plus de 2 dossiers ont des pièces en attente" in html
    english = client.get("/en/gestion/pieces/").content.decode()
    assert "More than 2 files have documents waiting for review." in english


def test_an_administrator_narrows_the_queue_to_one_component(files, administrator, iut_agent, staff_client):
    chartres = files["geii_old"].stage.programme.component_id
    orleans = files["info_oldest"].stage.programme.component_id
    assert document_queue.oldest_file_ids(administrator, component=orleans) == [files["info_oldest"].pk]
    assert document_queue.count_files(administrator, chartres) == (3, False)
    # An agent asking for a component that is not theirs keeps their own.
    assert document_queue.oldest_file_ids(iut_agent, component=orleans) == document_queue.oldest_file_ids(
        iut_agent
    )
    html = staff_client(administrator).get(f"/en/gestion/pieces/?component={orleans}").content.decode()
    assert "1 file has documents waiting for review." in html
    assert f"/gestion/pieces/{files['info_oldest'].pk}/" in html
    assert f"/gestion/pieces/{files['geii_old'].pk}/" not in html
    assert f'<option value="{orleans}" selected>' in html
