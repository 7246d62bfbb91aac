"""What many admin pages share: rows that staff may see but not add, change or delete there; amounts
kept in cents shown in euros.

Mixins, so that they serve model admins and inlines alike (`class XAdmin(NoAddMixin,
admin.ModelAdmin)`); each one adds one refusal to the one before.
"""


class NoAddMixin:
    """Rows that the application makes (imports, gateways, services), never the admin's add form."""

    def has_add_permission(self, request, obj=None):
        return False


class ViewOnlyMixin(NoAddMixin):
    """A record of what happened: shown as it was made, never changed in the admin."""

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyMixin(ViewOnlyMixin):
    """A log that is kept: shown as it is, neither changed nor deleted in the admin."""

    def has_delete_permission(self, request, obj=None):
        return False


def euros(field: str, description):
    """An admin column (list_display, readonly_fields) showing the `field` kept in cents as
    euros, sorted by the field."""
    from django.contrib import admin

    from matricule.money import euros as in_euros

    @admin.display(description=description, ordering=field)
    def column(obj):
        return in_euros(getattr(obj, field))

    column.__name__ = f"{field.removesuffix('_cents')}_euros"
    return column
