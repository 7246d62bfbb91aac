from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from matricule.admissions.models import Candidate
from matricule.institution.campaign import campaign_overview
from matricule.institution.models import AcademicYear

from .eligibility import eligibility


def get_candidate_for(request) -> Candidate:
    """The signed-in person's admission for the current campaign; 404 for anybody else."""
    year = AcademicYear.objects.current()
    candidate = (Candidate.objects.select_related("stage__programme__component", "academic_year")
                 .filter(user=request.user, academic_year=year).first())
    if candidate is None:
        raise Http404
    return candidate


@never_cache
@login_required
def home(request):
    """The student's home: who they are as admitted, and whether they may register now."""
    candidate = get_candidate_for(request)
    verdict = eligibility(candidate)
    contacts = [c for c in campaign_overview(candidate.academic_year).contacts
                if verdict.component is None or c.component == verdict.component]
    return render(request, "registration/home.html",
                  {"candidate": candidate, "verdict": verdict, "contacts": contacts})
