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
