"""Gateway codes (as in settings and in payment rows) to adapter classes, imported on first use so
that a missing optional module (the simulator outside the demo) only fails when it is asked for."""

from importlib import import_module

from .base import Gateway, GatewayError

GATEWAYS: dict[str, str] = {
    "paybox": "matricule.payments.gateways.paybox.PayboxGateway",
    "payfip": "matricule.payments.gateways.payfip.PayFiPGateway",
    "systempay": "matricule.payments.gateways.systempay.SystempayGateway",
    "simulator": "matricule.payments.simulator.gateway.SimulatorGateway",
}


def gateway_class(code: str) -> type[Gateway]:
    try:
        path = GATEWAYS[code]
    except KeyError:
        raise GatewayError(f"unknown payment gateway {code!r}") from None
    module_name, _, class_name = path.rpartition(".")
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as error:
        # Only the adapter's own module being absent means "unavailable"; a broken import inside
        # it is a bug to see as such.
        if error.name and (module_name == error.name or module_name.startswith(error.name + ".")):
            raise GatewayError(f"payment gateway {code!r} unavailable: {error}") from error
        raise
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Gateway)):
        raise GatewayError(f"{path} is not a Gateway")
    return cls


def get_gateway(code: str, options: dict | None = None) -> Gateway:
    """An adapter configured with `options`; GatewayError when the code or the options are wrong."""
    return gateway_class(code)(dict(options or {}))


def codes() -> list[str]:
    return sorted(GATEWAYS)
