"""Every endpoint of the API, to walk in the access tests: (name, method, resource, access, url
of one component's rows, body)."""

READS = {
    "registrations": ("registrations", lambda r: f"/api/v1/registrations/{r.registration.pk}/"),
    "students": ("students", lambda r: f"/api/v1/students/{r.student.pk}/"),
    "payments": ("payments", lambda r: f"/api/v1/payments/{r.payment.pk}/"),
    "documents": ("documents", lambda r: f"/api/v1/documents/{r.document.pk}/"),
    "issued-documents": ("issued_documents", lambda r: f"/api/v1/issued-documents/{r.issued.pk}/"),
    "requests": ("requests", lambda r: f"/api/v1/requests/{r.request.pk}/"),
}


def endpoints(rows):
    found = []
    for path, (resource, detail) in READS.items():
        found.append((f"{path}-list", "get", resource, "read", f"/api/v1/{path}/", None))
        found.append((f"{path}-detail", "get", resource, "read", detail(rows), None))
    found += [
        ("document-file", "get", "documents", "read", f"/api/v1/documents/{rows.document.pk}/file/", None),
        (
            "document-decision",
            "post",
            "documents",
            "write",
            f"/api/v1/documents/{rows.document.pk}/decision/",
            {"decision": "validate"},
        ),
        (
            "candidates-import",
            "post",
            "candidates",
            "write",
            "/api/v1/candidates/import/",
            {"candidates": [{}]},
        ),
        ("results-import", "post", "results", "write", "/api/v1/results/import/", {"results": [{}]}),
    ]
    return found


NAMES = [
    *(f"{path}-{kind}" for path in READS for kind in ("list", "detail")),
    "document-file",
    "document-decision",
    "candidates-import",
    "results-import",
]


def endpoint(name, rows):
    return next(e for e in endpoints(rows) if e[0] == name)
