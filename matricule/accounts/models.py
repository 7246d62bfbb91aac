from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """Every person who signs in: students and staff alike."""

    email = models.EmailField(_("email address"), blank=True, db_index=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class ComponentMembership(models.Model):
    """A staff member's role in one component; back-office access is scoped by these rows."""

    class Role(models.TextChoices):
        AGENT = "agent", _("Registrar agent")
        MANAGER = "manager", _("Component manager")
        AUDITOR = "auditor", _("Read-only auditor")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships",
                             verbose_name=_("user"))
    component = models.ForeignKey("institution.Component", on_delete=models.CASCADE,
                                  related_name="memberships", verbose_name=_("component"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)

    class Meta:
        verbose_name = _("component membership")
        verbose_name_plural = _("component memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "component"], name="membership_unique_user_component"),
            models.CheckConstraint(condition=models.Q(role__in=["agent", "manager", "auditor"]),
                                   name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.component} · {self.get_role_display()}"
