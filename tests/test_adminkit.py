from django.contrib import admin
from django.test import RequestFactory

from matricule.adminkit import NoAddMixin, ReadOnlyMixin, ViewOnlyMixin
from matricule.audit.models import Event


class Superuser:
    def has_perm(self, perm, obj=None) -> bool:
        return True


def permissions(mixin) -> tuple[bool, bool, bool]:
    """(add, change, delete) as the mixin leaves them, for a user who has every permission."""
    request = RequestFactory().get("/")
    request.user = Superuser()
    model_admin = type("Admin", (mixin, admin.ModelAdmin), {})(Event, admin.site)
    return (
        model_admin.has_add_permission(request),
        model_admin.has_change_permission(request),
        model_admin.has_delete_permission(request),
    )


def test_each_mixin_adds_one_refusal_to_the_one_before():
    assert permissions(NoAddMixin) == (False, True, True)
    assert permissions(ViewOnlyMixin) == (False, False, True)
    assert permissions(ReadOnlyMixin) == (False, False, False)


def test_an_inline_is_refused_the_add_form_too():
    inline = type("Inline", (NoAddMixin, admin.TabularInline), {"model": Event})(Event, admin.site)
    assert inline.has_add_permission(RequestFactory().get("/"), obj=None) is False


def test_an_amount_in_cents_is_a_column_in_euros():
    import types

    from django.utils import translation

    from matricule.adminkit import euros

    column = euros("paid_cents", "amount paid")
    assert column.short_description == "amount paid" and column.admin_order_field == "paid_cents"
    with translation.override("fr"):
        assert column(types.SimpleNamespace(paid_cents=17850)) == "178,50\u00a0€"
        assert column(types.SimpleNamespace(paid_cents=None)) == ""
