from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from matricule.adminkit import ReadOnlyMixin

from . import services
from .models import Email


@admin.register(Email)
class EmailAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The outbox, read only: what was sent, what waits for its next attempt and why, what
    failed (never deleted: the log of what was said to whom is kept). The one thing staff do is
    put failed emails back in the queue."""

    list_display = [
        "created_at",
        "kind",
        "to",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "error_line",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    fields = [
        "kind",
        "to",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "claimed_at",
        "sent_at",
        "kept_in_full",
        "key",
        "task_path",
        "body",
    ]
    readonly_fields = fields

    @admin.display(description=_("last error"))
    def error_line(self, email: Email) -> str:
        first = email.last_error.splitlines()[0] if email.last_error else ""
        return first[:120]

    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("notifications.change_email")

    @admin.action(description=_("Send the selected failed emails again"), permissions=["resend"])
    def resend(self, request, queryset):
        back = services.resend(queryset, actor=request.user)
        left = queryset.count() - len(back)
        if back:
            self.message_user(
                request,
                ngettext(
                    "%(count)d email put back in the queue.",
                    "%(count)d emails put back in the queue.",
                    len(back),
                )
                % {"count": len(back)},
            )
        if left:
            self.message_user(
                request,
                ngettext(
                    "%(count)d email left as it was: only failed emails that can be made again are "
                    "sent again.",
                    "%(count)d emails left as they were: only failed emails that can be made again are "
                    "sent again.",
                    left,
                )
                % {"count": left},
                messages.WARNING,
            )
