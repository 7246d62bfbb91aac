"""The CVEC simulator backend: attestations from the SimulatedAttestation table."""

from django.conf import settings

from .models import SimulatedAttestation
from .service import Attestation, CvecService, CvecUnavailable, normalize_number, register


@register
class SimulatorCvecService(CvecService):
    """Answers from the SimulatedAttestation table (edited in the admin, filled by the demo
    and the tests). Setting MATRICULE_CVEC_SIMULATOR_UNAVAILABLE = True makes it behave as
    a service that is down, to show and test the provisional path."""

    name = "simulator"

    def lookup(
        self, attestation_number: str, academic_year_code: str, *, last_name: str = ""
    ) -> Attestation | None:
        if getattr(settings, "MATRICULE_CVEC_SIMULATOR_UNAVAILABLE", False):
            raise CvecUnavailable("The CVEC simulator is set to be unavailable.")
        # Found whatever its year, as the real service's number also tells its campaign:
        # the caller compares the year and explains a wrong one.
        row = SimulatedAttestation.objects.filter(number=normalize_number(attestation_number)).first()
        return row.to_attestation() if row is not None else None
