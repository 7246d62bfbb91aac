"""The supporting document state machine: its transition table."""

from matricule.documents import states
from matricule.documents.models import Submission


def test_the_table_knows_every_status_and_only_them():
    assert set(states.TRANSITIONS) == set(Submission.Status.values)
    assert set().union(*states.TRANSITIONS.values()) <= set(Submission.Status.values)
    assert not states.TRANSITIONS[Submission.Status.VALIDATED]
