"""API clients in the Django admin: made with their scopes and components; the token is shown
once, on the page that follows the creation (or a new token), and never stored; revoked by an
action."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from matricule.audit.services import record

from .models import RESOURCES, SCOPES, ApiClient

ACCESS_LABELS = {"read": _("read"), "write": _("write")}
# Lazy labels: the form shows them in the administrator's language.
SCOPE_CHOICES = [
    (f"{resource}:{access}", format_lazy("{} — {}", label, ACCESS_LABELS[access]))
    for resource, label in RESOURCES.items()
    for access in ("read", "write")
]


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=SCOPE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiClient
        fields = ["name", "owner_email", "scopes", "all_components", "components"]

    def clean_scopes(self):
        scopes = self.cleaned_data["scopes"]
        return [scope for scope in SCOPES if scope in scopes]

    def clean(self):
        data = super().clean()
        if not data.get("all_components") and not data.get("components"):
            raise forms.ValidationError(_("Choose the components the client may see, or all components."))
        return data


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    form = ApiClientForm
    list_display = ["name", "token_hint", "is_active", "all_components", "last_used_at", "created_at"]
    list_filter = ["is_active", "all_components"]
    search_fields = ["name", "owner_email"]
    filter_horizontal = ["components"]
    readonly_fields = [
        "token_hint",
        "is_active",
        "revoked_at",
        "last_used_at",
        "created_at",
        "created_by",
        "user",
    ]
    actions = ["revoke", "replace_token"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            # Kept on the request only, for the page that follows (response_add): never stored.
            request._new_api_token = obj.new_token()
        super().save_model(request, obj, form, change)
        record(
            "api.client_changed" if change else "api.client_created",
            actor=request.user,
            obj=obj,
            api_client=obj.pk,
            scopes=obj.scopes,
        )

    def response_add(self, request, obj, post_url_continue=None):
        token = getattr(request, "_new_api_token", None)
        if token is None:
            return super().response_add(request, obj, post_url_continue)
        return self._token_page(request, obj, token)

    def _token_page(self, request, client, token):
        # Admin views are never cached (no-store): the token stays out of caches and history.
        return TemplateResponse(
            request,
            "admin/api/token_created.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Token of %(name)s") % {"name": client.name},
                "client": client,
                "token": token,
            },
        )

    @admin.action(description=_("Revoke the selected clients' tokens"))
    def revoke(self, request, queryset):
        count = 0
        for client in queryset.filter(is_active=True):
            client.revoke()
            record("api.client_revoked", actor=request.user, obj=client, api_client=client.pk)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d client revoked.", "%(count)d clients revoked.", count) % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Give the selected client a new token (the old one stops working)"))
    def replace_token(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one client."), messages.ERROR)
            return None
        client = queryset.get()
        token = client.new_token()
        client.is_active, client.revoked_at = True, None
        client.save(update_fields=["token_hash", "token_hint", "is_active", "revoked_at"])
        record("api.client_token_replaced", actor=request.user, obj=client, api_client=client.pk)
        return self._token_page(request, client, token)
