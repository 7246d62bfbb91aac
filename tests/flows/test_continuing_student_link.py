# ruff: noqa: F811 - fixtures imported from tests/registration/conftest.py are used as arguments
"""A continuing student who never activated their account asks for a connection link with their
student number (registration), and the link logs them in (accounts) to their re-registration."""

from django.urls import reverse

from tests.registration.conftest import continuing


def test_the_link_logs_the_student_in(
    client, demo, outbox, immediate_tasks, django_capture_on_commit_callbacks
):
    import re

    lucas = continuing("lucas")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("registration:student-login"),
            {
                "number": lucas.student_number,
                "birth_date": lucas.birth_date.isoformat(),
                "email": lucas.user.email,
            },
        )
    path = re.search(r"https?://[^/]+(/\S+/)", outbox[0].body).group(1)
    response = client.post(path)
    assert response.status_code == 302
    assert "redoubler" in client.get(reverse("registration:home")).content.decode()
