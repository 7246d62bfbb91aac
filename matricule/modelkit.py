"""Field declarations that the models of many apps share, so that each one means the same
everywhere and reads as what it is: a year's code, a link that may be empty, who did it."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# An academic year as the university writes it (its years, the CVEC attestations): 2024-2025.
year_code = RegexValidator(r"^\d{4}-\d{4}$", _("Write the year as 2024-2025."))


def year_code_field(verbose_name, **options) -> models.CharField:
    """The code of an academic year, "2024-2025", checked as it is typed."""
    return models.CharField(
        verbose_name, max_length=9, validators=[year_code], help_text=_("For example 2024-2025."), **options
    )


def optional_key(to, *, on_delete=models.SET_NULL, **options) -> models.ForeignKey:
    """A link that may be empty: NULL in the database, optional in forms, and by default
    emptied when what it points to is deleted."""
    return models.ForeignKey(to, on_delete=on_delete, null=True, blank=True, **options)


def actor_key(verbose_name) -> models.ForeignKey:
    """The account that did something to the row (imported, reviewed, recorded or decided it):
    the row outlives the account (emptied when it is deleted), and users get no reverse accessor."""
    return optional_key(settings.AUTH_USER_MODEL, related_name="+", verbose_name=verbose_name)


class Timestamped(models.Model):
    """When the row was made and last saved. (Payment and Registration declare the same two
    fields in place, after their own: their admin pages list every field in declaration order,
    where a base class's fields would come first.)"""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class FoldedNames(models.Func):
    """Two name columns as one folded text, "last first", for a stored search column
    (`models.GeneratedField`): on PostgreSQL folded by `matricule_fold` (accents, case,
    hyphens; accounts' 0010 migration), which the back office's name search reads through a
    trigram index on the column, so that a search never folds the names again. Elsewhere
    (SQLite) only lower-cased: SQLite's search folds the names as it reads them."""

    function = "LOWER"
    arg_joiner = " || ' ' || "
    output_field = models.TextField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="matricule_fold", **extra)
