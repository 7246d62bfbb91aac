from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from matricule.institution import views as institution
from matricule.payments.urls import notification_patterns as payment_notifications

# The admin site signs in through the staff sign-in (password + second factor, or CAS), never
# with a password alone.
_admin_has_permission = admin.site.has_permission


def _admin_permission(request):
    from matricule.accounts import staff

    return _admin_has_permission(request) and staff.is_verified(request)


def _admin_login(request, extra_context=None):
    from urllib.parse import quote

    from matricule.accounts import staff

    if staff.is_staff_member(request.user) and staff.is_verified(request):
        # Signed in (both factors) without the administration among their rights: the sign-in
        # page would send them straight back here, in a loop. Say so instead.
        return render(request, "admin_not_allowed.html", status=403)
    return redirect(f"/gestion/connexion/?next={quote(request.get_full_path())}")


admin.site.has_permission = _admin_permission
admin.site.login = _admin_login


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    *payment_notifications,
    # The REST API: programs, not people, so no language prefix.
    path("api/", include("matricule.api.urls")),
]
if settings.MATRICULE_PAYMENT_SIMULATOR:
    # The simulated bank: demo and tests only (refused in production settings).
    urlpatterns.append(path("simulateur-paiement/", include("matricule.payments.simulator.urls")))

urlpatterns += i18n_patterns(
    path("", institution.registration_page, name="registration-page"),
    path(_("year/<str:code>/"), institution.registration_page, name="registration-page-year"),
    path(_("personal-data/"), institution.privacy_notice, name="privacy-notice"),
    path(_("accessibility/"), institution.accessibility_statement, name="accessibility-statement"),
    path("", include("matricule.accounts.urls")),
    path("", include("matricule.accounts.student_urls")),
    path("", include("matricule.registration.urls")),
    path("", include("matricule.payments.urls")),
    path("", include("matricule.documents.urls")),
    path("", include("matricule.certificates.urls")),
    path("", include("matricule.requests.urls")),
    path("", include("matricule.privacy.urls")),
    path("", include("matricule.backoffice.urls")),
    path("", include("matricule.backoffice.export_urls")),
    path("", include("matricule.backoffice.desk_urls")),
    path("", include("matricule.accounts.staff_urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)
