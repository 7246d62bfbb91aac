"""The accounts' models: a user's sessions end when their security stamp changes."""

from matricule.accounts import staff

LOGIN = "/gestion/connexion/"
QUEUE = "/gestion/pieces/"


def signed_in_user(client):
    return client.session.get("_auth_user_id")


def test_a_reset_ends_the_sessions_signed_in_before(iut_agent, administrator, enrolled, staff_client):
    from django.test import Client

    before = Client()
    before.force_login(iut_agent)
    session = before.session
    staff.mark_verified(session)
    session.save()
    assert before.get(QUEUE).status_code == 200
    staff.reset_second_factor(iut_agent, actor=administrator)
    after = before.get(QUEUE)
    assert after.status_code == 302 and after.url.startswith(LOGIN)
    assert signed_in_user(before) is None
    # Without a stamp the hash is Django's own: no session ended when the field appeared.
    from django.utils.crypto import salted_hmac

    from matricule.accounts.models import User

    fresh = User(password="pbkdf2_sha256$x")
    django_hash = salted_hmac(
        "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
        fresh.password,
        algorithm="sha256",
    ).hexdigest()
    assert fresh.security_stamp == "" and fresh.get_session_auth_hash() == django_hash
