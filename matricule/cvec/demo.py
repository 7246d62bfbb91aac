"""Simulated attestations for the demo instance (called by matricule.demo.seed)."""

import datetime

from .checks import check_format, normalize_number
from .models import SimulatedAttestation

# The demo's IUT de Chartres is in the académie of Orléans-Tours. "ORL" is our reading of that
# CROUS's code, by analogy with the documented "TOU" (Toulouse) and "VER" (Versailles).
DEMO_CROUS_CODE = "ORL"
CROUS_NAMES = {"ORL": "Crous Orléans-Tours", "TOU": "Crous Toulouse Occitanie", "VER": "Crous Versailles"}


def demo_number(seq: int, academic_year_code: str) -> str:
    """A well-formed attestation number: CROUS code, last digit of the year's first year,
    then `seq` on 8 digits (ORL4 00000001 for seq 1 in 2024-2025)."""
    if not 0 < seq < 10**8:
        raise ValueError(f"seq must be between 1 and 99999999, not {seq}.")
    return check_format(f"{DEMO_CROUS_CODE}{academic_year_code[3]}{seq:08d}")


def seed_attestation(
    *,
    number: str,
    last_name: str,
    first_names: str,
    birth_date: datetime.date,
    ine: str,
    academic_year_code: str,
    exempt: bool = False,
    exemption_reason: str = "",
    valid: bool = True,
    crous: str = "",
    usage_name: str = "",
) -> SimulatedAttestation:
    """Create or update the simulated attestation with this number (idempotent)."""
    number = check_format(number)
    attestation, _created = SimulatedAttestation.objects.update_or_create(
        number=number,
        defaults={
            "last_name": last_name,
            "usage_name": usage_name,
            "first_names": first_names,
            "birth_date": birth_date,
            "ine": normalize_number(ine),
            "crous": crous or CROUS_NAMES.get(number[:3], f"Crous {number[:3]}"),
            "academic_year_code": academic_year_code,
            "valid": valid,
            "exempt": exempt,
            "exemption_reason": exemption_reason,
        },
    )
    return attestation
