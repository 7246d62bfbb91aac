from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "matricule.accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import models, sessionuser, staff

        def user_changed(sender, instance, **kwargs):
            sessionuser.forget(instance.pk)

        for name, signal in (("saved", post_save), ("deleted", post_delete)):
            uid = f"accounts.sessionuser.{name}"
            signal.connect(user_changed, sender=models.User, weak=False, dispatch_uid=uid)

        def given_a_role(sender, instance, created, **kwargs):
            """A new staff member (a role, or an administrator created) may set up their
            authenticator app for the next few days."""
            user = instance.user if sender is models.ComponentMembership else instance
            if (
                created
                and (sender is models.ComponentMembership or user.is_superuser)
                and not staff.has_second_factor(user)
            ):
                staff.open_enrolment(user)

        post_save.connect(
            given_a_role,
            sender=models.ComponentMembership,
            weak=False,
            dispatch_uid="accounts.enrolment_on_membership",
        )
        post_save.connect(
            given_a_role, sender=models.User, weak=False, dispatch_uid="accounts.enrolment_on_superuser"
        )
