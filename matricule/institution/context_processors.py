from .models import University


def university(request):
    """The university's name for the page header, read once per request."""
    def lazy():
        if not hasattr(request, "_matricule_university"):
            request._matricule_university = University.objects.first()
        return request._matricule_university

    return {"university": lazy}
