"""Back-office exports (CSV and XLSX): the exporter base class and registry (`base`), the
built-in exporters (`exporters`), the file formats (`formats`) and the services."""

from . import exporters  # noqa: F401  (registers the built-in exporters)
from .base import Column, Exporter, Filter, all_exporters, get_exporter, register

__all__ = ["Column", "Exporter", "Filter", "all_exporters", "get_exporter", "register"]
