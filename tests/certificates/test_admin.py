"""The certificates admin: staff ask for a stage's certificates in bulk and follow the progress
on the progress page every long job shows (for staff of the stage's component only)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import translation

from matricule.accounts.models import ComponentMembership
from matricule.certificates.models import BulkGeneration, IssuedDocument
from matricule.certificates.tasks import generate_certificates
from matricule.institution.models import Component, Stage

from .conftest import complete


def url(name, *args):
    with translation.override("en"):
        return reverse(name, args=args)


def test_staff_generate_a_stages_certificates_in_bulk_with_progress(
    client, registered, iut_agent, administrator, settings, django_capture_on_commit_callbacks
):
    complete(registered, iut_agent)
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("admin:certificates_bulkgeneration_add"),
            {"stage": registered.stage.pk, "academic_year": registered.academic_year.pk},
        )
    job = BulkGeneration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("admin:certificates_bulkgeneration_progress", job.pk)
    assert (job.status, job.total, job.done, job.requested_by) == ("done", 1, 1, administrator)
    assert set(IssuedDocument.objects.filter(kind="certificate").values_list("language", flat=True)) == {
        "fr",
        "en",
    }
    page = client.get(response["Location"]).text
    assert "Status: Done" in page and "http-equiv" not in page and "hx-trigger" not in page
    assert '<tr><th scope="row">Certificates made</th><td>1</td></tr>' in page
    assert '<progress id="job-progress-bar" max="100" value="100"' in page
    listing = client.get(url("admin:certificates_bulkgeneration_changelist")).content.decode()
    assert registered.stage.name in listing


@pytest.fixture
def queued_job(registered, administrator):
    return BulkGeneration.objects.create(
        stage=registered.stage, academic_year=registered.academic_year, requested_by=administrator
    )


def test_the_progress_page_polls_while_the_job_waits_then_stops(client, administrator, queued_job):
    client.force_login(administrator)
    page_url = url("admin:certificates_bulkgeneration_progress", queued_job.pk)
    fragment_url = url("admin:certificates_bulkgeneration_progress_fragment", queued_job.pk)

    page = client.get(page_url).text
    head = page.split("</head>")[0]
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in head
    assert f'hx-get="{fragment_url}?seen=queued" hx-trigger="every 2s"' in page
    assert "Status: Queued" in page and "Progress not known yet" in page
    assert 'hx-trigger="every 2s"' in client.get(fragment_url).text

    assert generate_certificates.call(queued_job.pk) == 1

    fragment = client.get(fragment_url, {"seen": "queued"}).text
    assert "hx-trigger" not in fragment
    assert '<p id="job-status" hx-swap-oob="innerHTML">Status: Done</p>' in fragment
    assert '<tr><th scope="row">Registrations not complete yet</th><td>1</td></tr>' in fragment
    assert "http-equiv" not in client.get(page_url).text


@pytest.fixture
def admin_staff(django_user_model):
    """make(component code, *permission codenames) → an admin-site staff member (not a superuser)
    working for that component."""

    def make(component_code, *codenames):
        number = django_user_model.objects.count()
        user = django_user_model.objects.create(username=f"staff.{component_code}.{number}", is_staff=True)
        user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
        ComponentMembership.objects.create(
            user=user,
            component=Component.objects.get(code=component_code),
            role=ComponentMembership.Role.AGENT,
        )
        return user

    return make


def test_the_progress_page_is_for_staff_of_the_stages_component(client, queued_job, admin_staff):
    pages = [
        url("admin:certificates_bulkgeneration_progress", queued_job.pk),
        url("admin:certificates_bulkgeneration_progress_fragment", queued_job.pk),
    ]
    component = queued_job.stage.programme.component
    other = Component.objects.exclude(pk=component.pk).first()

    client.force_login(admin_staff(other.code, "view_bulkgeneration"))
    assert [client.get(page).status_code for page in pages] == [404, 404]

    client.force_login(admin_staff(component.code))  # no permission on generations
    assert [client.get(page).status_code for page in pages] == [403, 403]

    client.force_login(admin_staff(component.code, "view_bulkgeneration"))
    assert [client.get(page).status_code for page in pages] == [200, 200]


def test_staff_see_and_choose_only_their_components_stages(client, queued_job, admin_staff):
    component = queued_job.stage.programme.component
    other = Component.objects.exclude(pk=component.pk).first()
    user = admin_staff(other.code, "view_bulkgeneration", "add_bulkgeneration")
    client.force_login(user)

    assert queued_job.stage.name not in client.get(url("admin:certificates_bulkgeneration_changelist")).text
    form = client.get(url("admin:certificates_bulkgeneration_add")).context["adminform"].form
    assert set(form.fields["stage"].queryset) == set(Stage.objects.filter(programme__component=other))
