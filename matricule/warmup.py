"""What every web process would otherwise do on its first requests, done once before serving.

With `gunicorn --preload` this runs in the master: the workers it forks (and re-forks after
`--max-requests`) start with the heavy libraries imported, the URL resolver built, the translation
catalogues loaded and every template compiled, instead of paying about a second of CPU each on
their first requests (measured with bench/rush). Nothing here touches the database or the cache:
connections must not be opened before the fork.
"""

import contextlib
import gc
import importlib
import logging
from pathlib import Path

logger = logging.getLogger(__name__)

# Imported lazily by the views that need them (PDF, signing, upload checks, exports).
HEAVY_MODULES = (
    "matricule.certificates.certificate_pdf",
    "matricule.certificates.signing",
    "matricule.certificates.rendering",
    "matricule.certificates.summary",
    "matricule.certificates.receipt",
    "matricule.documents.checks",
    "matricule.documents.render",
    "pyhanko.sign.signers.pdf_signer",
    "reportlab.pdfgen.canvas",
    "PIL.Image",
)

WIDGET_TEMPLATES = (
    "input",
    "text",
    "email",
    "date",
    "select",
    "select_option",
    "radio",
    "radio_option",
    "checkbox",
    "textarea",
    "file",
    "clearable_file_input",
    "multiple_input",
    "attrs",
    "input_option",
    "number",
    "tel",
    "hidden",
    "password",
)


def warm_up() -> None:
    from django.conf import settings
    from django.forms.renderers import get_default_renderer
    from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
    from django.urls import get_resolver
    from django.utils import translation

    for name in HEAVY_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional part not installed: its views import it when used
            logger.info("warm-up: %s not importable", name)
    get_resolver().url_patterns  # noqa: B018 (builds the resolver)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Online registration")
            get_resolver()._populate()  # the translated patterns, per language
    for engine, folder in (("django", "templates"), ("jinja2", "jinja2")):
        for name in _project_templates(settings, folder):
            try:
                engines[engine].get_template(name)
            except (TemplateDoesNotExist, TemplateSyntaxError) as error:
                logger.warning("warm-up: template %s: %s", name, error)
    renderer = get_default_renderer()
    for widget in WIDGET_TEMPLATES:
        with contextlib.suppress(TemplateDoesNotExist):
            renderer.get_template(f"django/forms/widgets/{widget}.html")


def freeze_startup_heap() -> None:
    """What the start-up built (modules, templates, catalogues: about 220 000 objects) is moved
    out of the garbage collector's sight. It lives as long as the process, yet every full
    collection walked it: about 20 ms of CPU a journey in bench/rush, in pauses of 100 ms. With
    `--preload` this runs in the master, so the workers also keep those pages shared instead of
    copying them when the collector would have touched them (Python's documentation of
    `gc.freeze`)."""
    gc.collect()
    gc.freeze()


def _project_templates(settings, folder_name: str = "templates") -> list[str]:
    root = Path(settings.BASE_DIR) / "matricule"
    names = []
    for folder in root.glob(f"**/{folder_name}"):
        if ".venv" in folder.parts:
            continue
        names += [
            str(path.relative_to(folder)) for path in folder.glob("**/*") if path.suffix in {".html", ".txt"}
        ]
    return sorted(set(names))
