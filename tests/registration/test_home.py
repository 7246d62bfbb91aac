import pytest

from matricule.accounts.admission_login import user_for_candidate


def home_of(client, candidate) -> str:
    client.force_login(user_for_candidate(candidate))
    response = client.get("/etudiant/")
    assert response.status_code == 200
    return response.content.decode()


def test_home_shows_the_admission_and_that_registration_is_open(client, demo_candidates):
    page = home_of(client, demo_candidates["accepted"])
    assert "LEFÈVRE" in page and "BUT1 GEII" in page and "IUT de Chartres" in page
    assert "Vous pouvez vous inscrire en ligne" in page


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("keeping_wishes", "oui définitif"),
        ("refused", "refusée ou abandonnée"),
        ("continuing_education", "formation continue"),
        ("complementary", "ouvre le"),
    ],
)
def test_every_refusal_says_why_and_who_to_contact(client, demo_candidates, key, text):
    page = home_of(client, demo_candidates[key])
    assert text in page
    if key != "continuing_education":
        assert "scolarite.iut28@univ-orleans.fr" in page


def test_home_needs_a_login_and_shows_only_ones_own_admission(client, demo_candidates, administrator):
    assert client.get("/etudiant/").status_code == 302
    client.force_login(administrator)  # no admission: nothing to show
    assert client.get("/etudiant/").status_code == 404
