import datetime

from matricule.institution.campaign import campaign_overview
from matricule.institution.models import Population


def test_before_the_seed_opening_the_next_window_is_first_registration(year_2024, paris_time):
    overview = campaign_overview(year_2024, now=paris_time(2024, 7, 1, 9))
    # Re-registration opened on 24 June; first registration opens on 8 July at noon.
    assert [w.population for w in overview.open_now] == [Population.REREGISTRATION]
    assert overview.next_opening.population == Population.FIRST_MAIN
    assert overview.next_opening.window.opens_at == paris_time(2024, 7, 8, 12)


def test_at_noon_on_opening_day_first_registration_is_open(year_2024, paris_time):
    just_before = campaign_overview(year_2024, now=paris_time(2024, 7, 8, 11, 59))
    at_noon = campaign_overview(year_2024, now=paris_time(2024, 7, 8, 12))
    assert Population.FIRST_MAIN not in {w.population for w in just_before.open_now}
    assert Population.FIRST_MAIN in {w.population for w in at_noon.open_now}


def test_after_the_campaign_everything_is_closed(year_2024, paris_time):
    overview = campaign_overview(year_2024, now=paris_time(2024, 10, 1))
    assert overview.all_closed
    assert overview.next_opening is None
    assert overview.open_now == []


def test_contacts_carry_each_components_assistance_period(year_2024):
    overview = campaign_overview(year_2024)
    chartres = next(c for c in overview.contacts if c.component.code == "iut-chartres")
    assert chartres.assistance.ends_on == datetime.date(2024, 9, 1)
    assert overview.helpline.starts_on == datetime.date(2024, 6, 24)
    assert overview.helpline.ends_on == datetime.date(2024, 9, 3)
    assert [y.code for y in overview.other_years] != []


def test_overview_reads_in_a_few_queries_then_comes_from_the_cache(
    year_2024, settings, django_assert_max_num_queries, django_assert_num_queries
):
    # Production keeps the cache in Redis: count the database's queries only.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "campaign-overview-test",
        }
    }
    with django_assert_max_num_queries(7):
        overview = campaign_overview(year_2024)
        [list(w.window.components.all()) for w in overview.windows]
    with django_assert_num_queries(0):
        again = campaign_overview(year_2024)
        [list(w.window.components.all()) for w in again.windows]
    assert [w.window.pk for w in again.windows] == [w.window.pk for w in overview.windows]


def test_a_change_of_window_is_seen_at_once(year_2024, paris_time):
    campaign_overview(year_2024)
    window = year_2024.windows.get(population=Population.FIRST_MAIN)
    window.opens_at = paris_time(2024, 7, 9, 12)
    window.save()
    overview = campaign_overview(year_2024)
    assert overview.first_main[0].window.opens_at == paris_time(2024, 7, 9, 12)
