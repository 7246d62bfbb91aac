"""One rate per client (its id, not its address: one system may call from many machines),
`REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api_client"]`. Over it: 429 with Retry-After."""

from rest_framework.throttling import SimpleRateThrottle

from .permissions import client_of


class ClientRateThrottle(SimpleRateThrottle):
    scope = "api_client"

    def get_cache_key(self, request, view):
        client = client_of(request)
        if client is None:
            return None  # the schema and the docs page: no client, no limit here
        return self.cache_format % {"scope": self.scope, "ident": client.pk}
