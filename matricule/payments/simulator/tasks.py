import time
import urllib.parse
import urllib.request

from matricule.compat import task


@task(queue_name="default")
def deliver_notification(fields: dict, notify_url: str, delay_seconds: int = 0) -> int:
    """The bank's server-to-server call, as a real gateway makes it (a form POST)."""
    if delay_seconds:
        time.sleep(min(delay_seconds, 30))
    if not notify_url.startswith(("http://", "https://")):
        raise ValueError("notification address must be HTTP(S)")
    data = urllib.parse.urlencode(fields).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    request = urllib.request.Request(notify_url, data=data, method="POST", headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 (our own URL)
        return response.status
