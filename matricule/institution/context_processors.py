from django.core.cache import cache

from .models import University


def university(request):
    """The university's name for the page header: from the shared cache (a minute), read once
    per request at most."""
    def lazy():
        if not hasattr(request, "_matricule_university"):
            found = cache.get("matricule-university")
            if found is None:
                found = University.objects.first()
                cache.set("matricule-university", found, 60)
            request._matricule_university = found
        return request._matricule_university

    return {"university": lazy}
