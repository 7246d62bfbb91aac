"""`manage.py apply_retention`: with --dry-run, one line per class with what is due and nothing
changed; without, the schedule applied, its counts printed and the run recorded. In the site's
language (French here), the classes' labels as the rest."""

import datetime
import io

from django.core.management import call_command
from django.utils import timezone

from matricule.accounts.models import LoginLink
from matricule.audit.models import Event
from matricule.privacy import retention


def expired_link(candidate) -> LoginLink:
    return LoginLink.objects.create(
        token_hash="d" * 64, candidate=candidate, expires_at=timezone.now() - datetime.timedelta(days=2)
    )


def test_a_dry_run_lists_the_count_of_each_class_and_changes_nothing(demo_candidates):
    link = expired_link(demo_candidates["accepted"])
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == len(retention.CLASSES) + 1 and lines[-1] == "Simulation : rien n'a été modifié."
    by_code = {line.split()[0]: line for line in lines[:-1]}
    assert set(by_code) == {data_class.code for data_class in retention.CLASSES}
    assert by_code["links"].split()[1:3] == ["1", "échu(s)"]
    assert by_code["emails"].split()[1:3] == ["0", "échu(s)"]
    assert "MATRICULE" not in out.getvalue()
    assert LoginLink.objects.filter(pk=link.pk).exists()
    assert not Event.objects.filter(action="privacy.retention.applied").exists()


def test_a_run_applies_prints_the_counts_and_is_recorded(demo_candidates):
    expired_link(demo_candidates["accepted"])
    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    text = out.getvalue()
    assert any(line.split()[:3] == ["links", "1", "supprimé(s)"] for line in text.splitlines())
    assert "l'exécution est consignée dans le journal d'audit" in text
    assert not LoginLink.objects.exists()
    run = Event.objects.get(action="privacy.retention.applied")
    assert run.data["counts"]["links"] == 1
