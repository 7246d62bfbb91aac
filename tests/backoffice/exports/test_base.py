"""Exporters as plug-ins (`exports/base.py`): the base class and the registry."""

import pytest

from matricule.backoffice.exports import Column, Exporter, get_exporter, register
from matricule.backoffice.exports import base as exports_base
from matricule.institution.models import AcademicYear
from matricule.registration.models import Registration
from tests.backoffice.conftest import make_registrations


def test_a_plug_in_exporter_registers_once(exports):
    @register
    class Students(Exporter):
        code = "test-students"
        title = "Students"
        description = ""
        year_lookup = "academic_year"
        component_lookup = "stage__programme__component_id"
        columns = (Column("number", "Number", lambda r: r.student.student_number),)

        def base_queryset(self):
            return Registration.objects.select_related("student")

    try:
        assert get_exporter("test-students").title == "Students"
        with pytest.raises(ValueError, match="already registered"):
            register(Students)
    finally:
        exports_base._REGISTRY.pop("test-students")
    assert get_exporter("test-students") is None


def test_the_columns_asked_for_come_in_their_declared_order():
    exporter = get_exporter("registrations")
    assert [column.code for column in exporter.chosen(["stage_code", "gone", "student_number"])] == [
        "student_number",
        "stage_code",
    ]
    assert exporter.column_codes()[0] == "registration"
    assert "registration" not in exporter.default_columns  # declared with default=False


def test_the_queryset_is_the_years_in_the_users_components_filtered_as_asked(
    demo, iut_agent, other_agent, administrator
):
    year = demo.current_year
    drafts = {r.pk for r in make_registrations("GEII-1", 2, "draft", year)}
    [registered] = make_registrations("GEII-1", 1, "registered", year)
    [orleans] = make_registrations("INFO-1", 1, "registered", year)
    [last_year] = make_registrations("GEII-1", 1, "registered", AcademicYear.objects.get(code="2024-2025"))
    mine = drafts | {registered.pk, orleans.pk, last_year.pk}
    exporter = get_exporter("registrations")

    def exported(user, **filters):
        return (
            set(exporter.queryset(user=user, year=year, filters=filters).values_list("pk", flat=True)) & mine
        )

    assert exported(iut_agent) == drafts | {registered.pk}
    assert exported(iut_agent, state="registered", stage="") == {registered.pk}  # an empty filter: none
    assert exported(other_agent) == {orleans.pk}
    assert exported(administrator, state="registered") == {registered.pk, orleans.pk}
