"""makemessages reads the Jinja2 templates too (institution/management/commands/makemessages.py)."""

import os
import shutil
import subprocess

import pytest

from matricule.institution.management.commands.makemessages import as_python


def test_jinja2_messages_become_python_calls_on_their_lines():
    source = (
        '<p>{{ _("Hello") }}</p>\n'
        "{% trans code=x, stage=y %}Registration {{ code }} ·\n"
        "  {{ stage }}{% endtrans %}\n"
        "{% trans counter=n %}{{ counter }} file{% pluralize %}{{ counter }} files{% endtrans %}"
        ' {{ pgettext("month", "May") }}\n'
    )
    lines = as_python(source).split("\n")
    assert lines[0] == "gettext('Hello'); "
    # A {% trans %} block is trimmed, as the environment's policy renders it; its variables are
    # placeholders, as in Django's blocktranslate: the French catalogue's msgids stay the same.
    assert lines[1] == "gettext('Registration %(code)s · %(stage)s'); "
    assert lines[2] == ""
    assert lines[3] == "ngettext('%(counter)s file', '%(counter)s files', n); pgettext('month', 'May'); "
    compile(as_python(source), "template.py", "exec")  # what xgettext reads is valid Python


@pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="GNU gettext is not installed (scripts/test installs it)"
)
def test_the_catalogue_holds_the_jinja2_templates_messages(tmp_path):
    """Run on a copy of a Jinja2 template: its messages are extracted with their msgids."""
    from django.core.management import call_command

    folder = tmp_path / "app" / "jinja2"
    folder.mkdir(parents=True)
    (folder / "page.html").write_text(
        '{{ _("Zebra crossing") }}{% trans n=x %}Only {{ n }} here{% endtrans %}'
    )
    (tmp_path / "app" / "locale").mkdir()
    here = os.getcwd()
    try:
        os.chdir(tmp_path / "app")
        call_command("makemessages", locale=["fr"], verbosity=0)
    finally:
        os.chdir(here)
    catalogue = (tmp_path / "app" / "locale" / "fr" / "LC_MESSAGES" / "django.po").read_text()
    assert 'msgid "Zebra crossing"' in catalogue
    assert 'msgid "Only %(n)s here"' in catalogue
    assert "#: jinja2/page.html:1" in catalogue
    assert (
        subprocess.run(
            ["msgfmt", "--check-format", "-o", "/dev/null", "-"], input=catalogue.encode()
        ).returncode
        == 0
    )
