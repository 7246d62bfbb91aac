import pytest

pytestmark = pytest.mark.django_db


def test_staff_see_the_recurring_jobs_and_workers_but_change_nothing(admin_client):
    from matricule.scheduling import services

    services.run_due()
    page = admin_client.get("/admin/scheduling/recurringjob/")
    assert page.status_code == 200 and "payments.reconcile" in page.content.decode()
    assert admin_client.get("/admin/scheduling/recurringjob/add/").status_code == 403
    assert admin_client.get("/admin/scheduling/workerbeat/").status_code == 200
