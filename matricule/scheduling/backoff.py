"""How long to wait before trying an outside service again (a mail relay, the directory): quick
at first (a dropped connection, a restart, greylisting asks for a few minutes), then further
apart (a server down for the night). After the last wait comes the last attempt."""

import datetime

OUTSIDE_SERVICE = (
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=12),
)
