"""The admission gate of a registration window: how many students may be in the registration
flow at once, and for how long an idle place is kept. The live state (places, queue) lives in
the cache, never in these rows: see `gate.py`."""

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from matricule.institution.models import RegistrationWindow
from matricule.modelkit import Timestamped


def new_draw_seed() -> str:
    return secrets.token_hex(16)


class Gate(Timestamped):
    window = models.OneToOneField(
        RegistrationWindow,
        on_delete=models.CASCADE,
        related_name="gate",
        verbose_name=_("registration window"),
    )
    enabled = models.BooleanField(
        _("enabled"), default=False, help_text=_("Off: every student goes straight to the registration.")
    )
    capacity = models.PositiveIntegerField(
        _("capacity"),
        default=500,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
        help_text=_("Students active in the registration flow at once; the others wait in line."),
    )
    idle_minutes = models.PositiveSmallIntegerField(
        _("idle time (minutes)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text=_("A place left unused this long is given to the next student in line."),
    )
    # Keys the random order of those who arrived before the opening; secret, never shown.
    draw_seed = models.CharField(max_length=32, default=new_draw_seed, editable=False)

    class Meta:
        verbose_name = _("waiting room")
        verbose_name_plural = _("waiting rooms")
        ordering = ["window__opens_at"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="gate_capacity_positive"),
            models.CheckConstraint(condition=Q(idle_minutes__gte=1), name="gate_idle_positive"),
        ]

    def __str__(self) -> str:
        return str(self.window)
