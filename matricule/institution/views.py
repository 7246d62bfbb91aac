from django.http import Http404
from django.shortcuts import render

from . import reference
from .campaign import campaign_overview
from .models import AcademicYear


def registration_page(request, code: str | None = None):
    """The public page: how to register this year (or the year named in the address)."""
    if code is None:
        year = reference.current_year()
        if year is None:
            return render(request, "institution/not_configured.html", status=503)
    else:
        year = AcademicYear.objects.filter(code=code).first()
        if year is None:
            raise Http404
    overview = campaign_overview(year)
    return render(
        request,
        "institution/registration_page.html",
        {"overview": overview, "year": year, "is_current": year.is_current},
    )


def privacy_notice(request):
    """The privacy notice (mentions d'information, GDPR articles 13 and 14): who processes the
    students' data, why, on what basis, for whom, how long, their rights and whom to ask; the
    university's own details come from its configuration."""
    from django.conf import settings

    university = reference.university()
    return render(
        request,
        "institution/privacy_notice.html",
        {
            "university": university,
            "audit_years": max(
                1, round(int(getattr(settings, "MATRICULE_AUDIT_RETENTION_DAYS", 3650)) / 365)
            ),
            "export_days": int(getattr(settings, "MATRICULE_EXPORT_RETENTION_DAYS", 7)),
        },
    )


def accessibility_statement(request):
    """The accessibility statement (déclaration d'accessibilité, RGAA) in the DINUM's model: the
    conformity state from the university's audit figures, the project's automated checks from
    the committed axe-core results, the content not accessible, contact and recourse."""
    from django.conf import settings

    from . import accessibility

    return render(
        request,
        "institution/accessibility_statement.html",
        {
            "statement": accessibility.statement(
                reference.university(), settings.SITE_URL, accessibility.automated_checks()
            ),
            "rgaa_version": accessibility.RGAA_VERSION,
        },
    )
