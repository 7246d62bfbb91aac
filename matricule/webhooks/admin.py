"""Webhooks in the administration, next to the API clients: subscriptions (made, changed, enabled
again there) and the delivery log (read only; failed or delivered messages replayed)."""

import json

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from matricule.adminkit import ReadOnlyMixin
from matricule.audit.services import record

from . import services
from .catalogue import EVENT_TYPES
from .models import Attempt, Delivery, Subscription


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("target address"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"), choices=list(EVENT_TYPES.items()), widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Subscription
        fields = ["client", "url", "events"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ["client", "url", "event_list", "is_active", "disabled_at", "last_success_at"]
    list_filter = ["is_active", "client"]
    search_fields = ["client__name", "url"]
    readonly_fields = [
        "secret",
        "is_active",
        "disabled_at",
        "disabled_reason",
        "last_success_at",
        "created_at",
        "created_by",
    ]
    fieldsets = [
        (None, {"fields": ["client", "url", "events"]}),
        (
            _("Signing and state"),
            {
                "fields": readonly_fields,
                "description": _(
                    "The client verifies each message with this secret (Standard Webhooks): give it "
                    "to the client's owner through a safe channel."
                ),
            },
        ),
    ]
    actions = ["enable_again"]

    @admin.display(description=_("events"))
    def event_list(self, subscription: Subscription) -> str:
        return ", ".join(subscription.events or [])

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        record(
            "webhooks.subscription.changed" if change else "webhooks.subscription.created",
            actor=request.user,
            obj=obj,
            url=obj.url,
            events=obj.events,
        )

    def has_enable_again_permission(self, request) -> bool:
        return request.user.has_perm("webhooks.change_subscription")

    @admin.action(description=_("Enable the selected subscriptions again"), permissions=["enable_again"])
    def enable_again(self, request, queryset):
        count = sum(services.enable(subscription, actor=request.user) for subscription in queryset)
        self.message_user(
            request,
            ngettext("%(count)d subscription enabled again.", "%(count)d subscriptions enabled again.", count)
            % {"count": count},
        )


class AttemptInline(ReadOnlyMixin, admin.TabularInline):
    model = Attempt
    fields = ["started_at", "duration_ms", "status_code", "error", "response"]
    readonly_fields = fields
    extra = 0


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The delivery log, read only: what was sent to whom, how the receiver answered each time;
    the one thing staff do is replay."""

    list_display = [
        "created_at",
        "event_type",
        "subscription",
        "state",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
        "webhook_id",
    ]
    list_filter = ["state", "event_type", "subscription"]
    search_fields = ["webhook_id"]
    date_hierarchy = "created_at"
    list_select_related = ["subscription__client"]
    fields = [
        "webhook_id",
        "event_type",
        "subscription",
        "object_type",
        "object_id",
        "occurred_at",
        "state",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "created_at",
        "claimed_at",
        "delivered_at",
        "payload",
    ]
    readonly_fields = fields
    inlines = [AttemptInline]
    actions = ["replay"]

    @admin.display(description=_("payload"))
    def payload(self, delivery: Delivery) -> str:
        try:
            text = json.dumps(json.loads(delivery.body), indent=2, ensure_ascii=False)
        except ValueError:
            text = delivery.body
        return format_html("<pre>{}</pre>", text)

    def has_replay_permission(self, request) -> bool:
        return request.user.has_perm("webhooks.change_delivery")

    @admin.action(description=_("Replay the selected deliveries (same webhook id)"), permissions=["replay"])
    def replay(self, request, queryset):
        back = services.replay(queryset, actor=request.user)
        left = queryset.count() - len(back)
        if back:
            self.message_user(
                request,
                ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", len(back))
                % {"count": len(back)},
            )
        if left:
            self.message_user(
                request,
                ngettext(
                    "%(count)d delivery left as it was: only delivered or failed deliveries of active "
                    "subscriptions are replayed.",
                    "%(count)d deliveries left as they were: only delivered or failed deliveries of "
                    "active subscriptions are replayed.",
                    left,
                )
                % {"count": left},
                messages.WARNING,
            )
