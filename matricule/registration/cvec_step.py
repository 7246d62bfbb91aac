"""The registration's CVEC check: the attestation's holder must be this student, this year."""

from matricule.cvec.checks import verify_for_student

from .models import Registration


def verify_attestation(registration: Registration, number: str):
    candidate = registration.candidate
    student = registration.student
    ine = registration.step_data("ine").get("ine", "") or (candidate.ine if candidate else "")
    return verify_for_student(
        number,
        last_name=student.last_name or (candidate.last_name if candidate else student.user.last_name),
        first_names=student.first_names or (candidate.first_names if candidate else student.user.first_name),
        birth_date=student.birth_date or (candidate.birth_date if candidate else None),
        ine=ine,
        academic_year_code=registration.academic_year.code,
    )
