"""The demo's own address. `scripts/demo` serves on MATRICULE_DEMO_ADDRESS (runserver's
`[host:]port`) and gives the site that same address (MATRICULE_SITE_URL, unless set), so that the
links in emails and the payment simulator's return and notification addresses lead back to it.

Run as `python -m matricule.demo.address ADDRESS`: prints the site address and the host name to
allow, separated by a space (no Django set-up needed)."""

import re
import sys
from typing import NamedTuple

# runserver's own syntax (django.core.management.commands.runserver.naiveip_re).
RUNSERVER_ADDRESS = re.compile(
    r"^(?:(?P<host>\d{1,3}(?:\.\d{1,3}){3}|\[[a-fA-F0-9:]+\]|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*):)?"
    r"(?P<port>\d+)$"
)
# Served on every interface: the links name the loopback address, which this machine's browser and
# the task worker (delivering the simulator's notifications) both reach. "0" is runserver's
# shorthand for 0.0.0.0.
EVERY_INTERFACE = {"0": "127.0.0.1", "0.0.0.0": "127.0.0.1", "[::]": "[::1]"}  # noqa: S104


class ServedSite(NamedTuple):
    url: str  # for MATRICULE_SITE_URL
    host: str  # for MATRICULE_ALLOWED_HOSTS


def served_site(address: str) -> ServedSite:
    """The site address for runserver's `address`; ValueError when runserver would refuse it."""
    match = RUNSERVER_ADDRESS.match(address.strip())
    if not match:
        raise ValueError(f"{address!r} is not an address runserver accepts ([host:]port)")
    host = match["host"] or "127.0.0.1"  # runserver's default
    host = EVERY_INTERFACE.get(host, host)
    return ServedSite(url=f"http://{host}:{int(match['port'])}", host=host)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m matricule.demo.address [HOST:]PORT", file=sys.stderr)
        return 2
    try:
        site = served_site(argv[0])
    except ValueError as error:
        print(f"MATRICULE_DEMO_ADDRESS: {error}", file=sys.stderr)
        return 2
    print(site.url, site.host)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
