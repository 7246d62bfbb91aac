"""Continuing students of the demo: registered last year, with a result covering every code
(and one whose result is not known yet), so that each re-registration case can be tried."""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from matricule.institution.models import AcademicYear, Stage

# Every continuing student's password (those whose account is activated).
PASSWORD = "matricule-etudiant"  # noqa: S105 (demo data, printed by the demo)

# (key, number suffix, last name, first names, sex, last year's stage, result, account activated)
CONTINUING = [
    ("emma", "101", "ROUSSEAU", "Emma", "F", "GEII-1", "ADM", True),
    ("lucas", "102", "PETIT", "Lucas", "M", "GEII-1", "AJ", False),
    ("sarah", "103", "MOREAU", "Sarah", "F", "GEII-2", "AJAC", True),
    ("yanis", "104", "FONTAINE", "Yanis", "M", "GEA-1", "DEF", True),
    ("manon", "105", "GIRARD", "Manon", "F", "GEA-1", "EXC", True),
    ("theo", "106", "LAMBERT", "Théo", "M", "GEA-3", "DIP", True),
    ("jade", "107", "BONNET", "Jade", "F", "GMP-1", None, True),
]


def student_number(year: AcademicYear, suffix: str) -> str:
    return f"{year.first_year % 100:02d}000{suffix}"


def seed_continuing(previous: AcademicYear, current: AcademicYear) -> list:
    from matricule.accounts.models import AccountSecurity
    from matricule.admissions.models import Result
    from matricule.cvec.demo import demo_number, seed_attestation
    from matricule.documents.models import DocumentType, Submission
    from matricule.registration.models import Kind, Registration, State, Student

    students = []
    for index, (key, suffix, last, first, sex, stage_code, result, activated) in enumerate(CONTINUING):
        stage = Stage.objects.select_related("programme__component__university").get(code=stage_code)
        number = student_number(previous, suffix)
        email = f"{key}.{last.lower()}@example.org"
        user, _created = get_user_model().objects.get_or_create(username=f"etu-{number}")
        user.email, user.first_name, user.last_name = email, first, last
        if activated:
            user.set_password(PASSWORD)
        else:
            user.set_unusable_password()
        user.save()
        if activated:
            AccountSecurity.objects.update_or_create(
                user=user,
                defaults={
                    "activated_at": timezone.now(),
                    "email_confirmed": email,
                    "email_confirmed_at": timezone.now(),
                },
            )
        else:
            AccountSecurity.objects.filter(user=user).update(activated_at=None)
        birth = datetime.date(previous.first_year - 19, 5, 2 + index)
        student, _created = Student.objects.update_or_create(
            user=user,
            defaults={
                "student_number": number,
                "last_name": last,
                "first_names": first,
                "sex": sex,
                "birth_date": birth,
            },
        )
        steps = _last_year_steps(previous, stage, email, index)
        # Last year's history is created registered and validated; a re-seed refreshes what was
        # typed but moves no state (only the transition services do).
        fields = {
            "kind": Kind.FIRST,
            "data": steps,
            "cleaned": steps,
            "valid_steps": list(steps),
            "touched_steps": list(steps),
            "current_step": "review",
            "fee_lines": [],
            "fee_total_cents": 0,
            "registered_at": timezone.now(),
        }
        registration, _created = Registration.objects.update_or_create(
            student=student,
            academic_year=previous,
            stage=stage,
            defaults=fields,
            create_defaults={**fields, "state": State.REGISTERED},
        )
        for document_type in DocumentType.objects.filter(code__in=["identity", "photo", "bac", "cvec"]):
            reviewed = {"reviewed_at": timezone.now(), "submitted_at": timezone.now()}
            Submission.objects.update_or_create(
                registration=registration,
                document_type=document_type,
                defaults=reviewed,
                create_defaults={**reviewed, "status": Submission.Status.VALIDATED},
            )
        if result:
            Result.objects.update_or_create(
                student_number=number, year_code=previous.code, stage=stage, defaults={"result": result}
            )
        else:
            Result.objects.filter(student_number=number, year_code=previous.code).delete()
        seed_attestation(
            number=demo_number(8000 + index, current.code),
            last_name=last,
            first_names=first,
            birth_date=birth,
            ine="",
            academic_year_code=current.code,
        )
        students.append(student)
    return students


def cvec_number_for(current: AcademicYear, key: str) -> str:
    from matricule.cvec.demo import demo_number

    index = [spec[0] for spec in CONTINUING].index(key)
    return demo_number(8000 + index, current.code)


def _last_year_steps(year: AcademicYear, stage, email: str, index: int) -> dict:
    return {
        "identity": {
            "usual_name": "",
            "birth_town": "Chartres",
            "birth_country": "FR",
            "nationality": "FR",
        },
        "ine": {"has_ine": "no", "ine": "", "no_ine_reason": "unknown"},
        "baccalaureate": {
            "kind": "french",
            "year": year.first_year,
            "series": "STI2D",
            "honours": "",
            "school": "Lycée Fulbert, Chartres",
            "equivalent_name": "",
        },
        "previous": {
            "last_situation": "secondary",
            "last_establishment": "Lycée Fulbert",
            "last_establishment_year": year.first_year,
        },
        "contacts": {
            "street": f"{12 + index} rue du Bois Merrain",
            "postal_code": "28000",
            "city": "Chartres",
            "country": "FR",
            "same_permanent_address": "yes",
            "phone": "+33612345678",
            "email": email,
            "email_confirmation": email,
            "emergency_name": "Parent",
            "emergency_phone": "+33237000000",
        },
        "social": {
            "grant": "none",
            "pupille": "no",
            "employed": "no",
            "athlete": "no",
            "accommodation": "no",
        },
        "cvec": {"attestation": "", "cvec_exempt": False},
        "programme": {
            "confirm_stage": True,
            "photo_on_card": "yes",
            "accept_rules": True,
            "accept_privacy": True,
        },
    }
