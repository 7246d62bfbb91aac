"""axe-core accessibility checks (the axe.min.js shipped by axe-playwright-python)."""

from axe_playwright_python.sync_playwright import Axe

BLOCKING = {"serious", "critical"}
_axe = Axe()


def axe_violations(page, impacts=frozenset(BLOCKING)) -> list[dict]:
    results = _axe.run(
        page,
        options={
            "runOnly": {
                "type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
            },
            "resultTypes": ["violations"],
        },
    )
    return [v for v in results.response["violations"] if v["impact"] in impacts]


def assert_accessible(page) -> None:
    """No serious or critical axe violation on the page as it is now."""
    violations = axe_violations(page)
    summary = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — " + ", ".join(str(n["target"]) for n in v["nodes"][:5])
        for v in violations
    )
    assert violations == [], f"Accessibility violations on {page.url}:\n{summary}"
