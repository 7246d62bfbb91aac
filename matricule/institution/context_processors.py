from . import reference


def university(request):
    """The university's name for the page header (reference data: no query, no cache round trip)."""
    return {"university": reference.university}
