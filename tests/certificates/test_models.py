"""The certificates' models: a bulk generation is over once done or failed."""

import pytest

from matricule.certificates.models import BulkGeneration


@pytest.mark.parametrize(
    ("status", "finished"), [("queued", False), ("running", False), ("done", True), ("failed", True)]
)
def test_a_generation_is_finished_once_done_or_failed(status, finished):
    assert BulkGeneration(status=status).finished is finished
    assert status in BulkGeneration.Status.values
