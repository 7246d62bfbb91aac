"""`Authorization: Bearer <token>`: the client whose token hash matches, if it is active. The
request's user is the client's service account (the actor of its writes), `request.auth` the
client itself."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import ApiClient, hash_token

# Last use is written at most this often per client: a busy client does not write on every call.
LAST_USED_EVERY = datetime.timedelta(minutes=1)
# Longer than any token we make (mtr_ + 43 characters): anything longer is refused unhashed.
TOKEN_MAX_LENGTH = 100


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # no credentials: 401 through authenticate_header
        if len(header) != 2 or len(header[1]) > TOKEN_MAX_LENGTH:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        client = (
            ApiClient.objects.select_related("user")
            .filter(token_hash=hash_token(raw), is_active=True)
            .first()
        )
        if client is None or client.user is None:
            # Unknown, revoked and replaced tokens alike: no hint which.
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        note_use(client)
        return client.user, client

    def authenticate_header(self, request):
        return self.keyword


def note_use(client: ApiClient) -> None:
    """Record the client's last use when the one recorded is over a minute old; the UPDATE is
    conditional, so concurrent requests of one client write it once."""
    now = timezone.now()
    if client.last_used_at is not None and now - client.last_used_at < LAST_USED_EVERY:
        return
    stale = now - LAST_USED_EVERY
    rows = ApiClient.objects.filter(pk=client.pk)
    rows = (
        rows.filter(last_used_at__lt=stale) if client.last_used_at else rows.filter(last_used_at__isnull=True)
    )
    rows.update(last_used_at=now)
    client.last_used_at = now


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "API client token (shown once, when made).",
        }
