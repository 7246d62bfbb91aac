import pytest

from matricule.payments.gateways import registry
from matricule.payments.gateways.base import Gateway, GatewayError
from matricule.payments.gateways.paybox import PayboxGateway
from matricule.payments.gateways.payfip import PayFiPGateway
from matricule.payments.gateways.systempay import SystempayGateway

OPTIONS = {
    "paybox": {"site": "1999888", "rang": "32", "identifiant": "107904482", "key": "00" * 64},
    "payfip": {"numcli": "123456", "saisie": "T"},
    "systempay": {"site_id": "12345678", "key": "k", "ctx_mode": "TEST"},
}


@pytest.mark.parametrize(
    ("code", "cls"), [("paybox", PayboxGateway), ("payfip", PayFiPGateway), ("systempay", SystempayGateway)]
)
def test_codes_map_to_adapters(code, cls):
    gateway = registry.get_gateway(code, OPTIONS[code])
    assert type(gateway) is cls
    assert gateway.code == code
    assert gateway.options == OPTIONS[code]
    assert gateway.options is not OPTIONS[code]  # adapters get their own copy


def test_simulator_is_registered_by_dotted_path():
    assert registry.GATEWAYS["simulator"] == "matricule.payments.simulator.gateway.SimulatorGateway"
    assert registry.codes() == ["paybox", "payfip", "simulator", "systempay"]


def test_unknown_code():
    with pytest.raises(GatewayError):
        registry.get_gateway("stripe", {})


def test_missing_module_is_unavailable_not_an_import_crash(monkeypatch):
    monkeypatch.setitem(registry.GATEWAYS, "later", "matricule.payments.not_written_yet.gateway.Later")
    with pytest.raises(GatewayError, match="unavailable"):
        registry.get_gateway("later", {})


def test_broken_import_inside_an_adapter_is_not_hidden(monkeypatch, tmp_path):
    package = tmp_path / "brokenadapter"
    package.mkdir()
    (package / "__init__.py").write_text("import no_such_dependency_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(registry.GATEWAYS, "broken", "brokenadapter.Broken")
    with pytest.raises(ModuleNotFoundError):
        registry.get_gateway("broken", {})


@pytest.mark.parametrize(
    "path", ["matricule.payments.gateways.base.GatewayError", "matricule.payments.gateways.base.NoSuchClass"]
)
def test_path_must_name_a_gateway_class(monkeypatch, path):
    monkeypatch.setitem(registry.GATEWAYS, "odd", path)
    with pytest.raises(GatewayError):
        registry.get_gateway("odd", {})


def test_bad_options_are_a_gateway_error():
    with pytest.raises(GatewayError):
        registry.get_gateway("paybox", {})


def test_gateway_class_is_the_base():
    assert issubclass(registry.gateway_class("paybox"), Gateway)
