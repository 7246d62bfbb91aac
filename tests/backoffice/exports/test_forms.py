"""The export form (`exports/forms.py`): the year, the exporter's filters in the agent's scope, the
columns and the format, turned into an export request."""

from matricule.backoffice.exports import get_exporter
from matricule.backoffice.exports.forms import ExportForm
from matricule.institution.models import Stage


def test_the_form_offers_the_years_the_exporters_filters_and_its_columns(demo, iut_agent):
    exporter = get_exporter("documents")
    form = ExportForm(exporter, iut_agent)
    assert list(form.fields) == ["year", "stage", "status", "document_type", "columns", "format"]
    assert [field.name for field in form.filter_fields] == ["stage", "status", "document_type"]
    assert form.initial["year"] == demo.current_year.pk
    assert [code for code, _label in form.fields["columns"].choices] == exporter.column_codes()
    stages = [label.split(" · ")[0] for value, label in form.fields["stage"].choices if value]
    assert "GEII-1" in stages and "INFO-1" not in stages  # the agent's stages only
    assert form.fields["stage"].choices[0][0] == ""  # no filter


def test_the_request_keeps_the_declared_column_order_and_the_filters_chosen(demo, iut_agent):
    exporter = get_exporter("registrations")
    form = ExportForm(
        exporter,
        iut_agent,
        data={
            "year": demo.current_year.pk,
            "columns": ["stage_code", "last_name"],
            "format": "xlsx",
            "state": "registered",
            "stage": "",
        },
    )
    assert form.is_valid(), form.errors
    request = form.export_request()
    assert (request.exporter, request.year, request.format) == (exporter, demo.current_year, "xlsx")
    assert request.columns == ["last_name", "stage_code"]
    assert request.filters == {"state": "registered"}


def test_an_unknown_year_column_or_format_and_another_components_stage_are_refused(demo, iut_agent):
    orleans = Stage.objects.get(code="INFO-1")
    form = ExportForm(
        get_exporter("registrations"),
        iut_agent,
        data={"year": "999999", "columns": ["gone"], "format": "pdf", "stage": str(orleans.pk)},
    )
    assert not form.is_valid()
    assert set(form.errors) == {"year", "columns", "format", "stage"}


def test_personal_columns_are_left_out_unless_chosen_and_never_offered_to_readers(
    demo, iut_agent, django_user_model
):
    from matricule.accounts.models import ComponentMembership
    from matricule.institution.models import Component

    exporter = get_exporter("registrations")
    personal = {column.code for column in exporter.columns if column.personal}
    assert {"birth_date", "email", "phone"} <= personal
    assert not personal & set(exporter.default_columns)  # only when the agent ticks them
    offered = {code for code, _label in ExportForm(exporter, iut_agent).fields["columns"].choices}
    assert personal <= offered
    reader = django_user_model.objects.create_user("reader.chartres")
    ComponentMembership.objects.create(
        user=reader,
        component=Component.objects.get(code="iut-chartres"),
        role=ComponentMembership.Role.AUDITOR,
    )
    form = ExportForm(
        exporter,
        reader,
        {"year": str(demo.current_year.pk), "columns": ["last_name", "birth_date"], "format": "csv"},
    )
    assert not personal & {code for code, _label in form.fields["columns"].choices}
    assert not form.is_valid() and "columns" in form.errors
