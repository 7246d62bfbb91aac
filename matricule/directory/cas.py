"""Who a CAS login is, for the students' sign-in through the ENT (accounts.student_cas): the uid
the CAS server answers is the uid of an ENT account Matricule made or adopted."""

from django.conf import settings

from matricule.accounts import staff

from . import config
from .models import DirectoryAccount


def available() -> bool:
    """Students sign in through CAS when the university has one and the directory is on."""
    return bool(getattr(settings, "CAS_SERVER_URL", "")) and config.enabled()


def student_user(uid: str):
    """The student whose ENT account has this uid, or None: an unknown uid, an entry never
    written, an inactive account or a staff member (who signs in on the staff pages) is no student."""
    if not available() or not uid:
        return None
    account = DirectoryAccount.objects.select_related("student__user").filter(uid=uid).exclude(dn="").first()
    if account is None:
        return None
    user = account.student.user
    if not user.is_active or user.is_staff or user.is_superuser or staff.is_staff_member(user):
        return None
    return user
