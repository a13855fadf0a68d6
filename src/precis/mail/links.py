"""The signed links in mail: a confirmation link that expires, an unsubscribe link that lasts.

Both are signed with the app's key ``"mail"`` (``credentials.app_secret``: kept in the store, shared
by every process), so no table holds them and a copy of a link cannot be turned into another
subscriber's. A confirmation token carries the subscriber and their address and lasts
``CONFIRM_LIFETIME``; an unsubscribe token carries the subscriber and the issue it came with and
never expires (RFC 8058: the link in an old issue must still work).
"""

from __future__ import annotations

from datetime import timedelta

from itsdangerous import BadData, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from precis.errors import PrecisError
from precis.newsroom.credentials import app_secret
from precis.store import Store

CONFIRM_LIFETIME = timedelta(days=7)
SECRET_NAME = "mail"
MAX_TOKEN = 500


class BadLink(PrecisError):
    """A link that was tampered with or made up (``gone`` False), or has expired (``gone`` True)."""

    def __init__(self, message: str, gone: bool = False) -> None:
        self.gone = gone
        super().__init__(message)


class Signer:
    """Makes and reads the tokens of the links (see the module doc)."""

    def __init__(self, secret: str) -> None:
        self._confirm = URLSafeTimedSerializer(secret, salt="precis.mail.confirm")
        self._unsubscribe = URLSafeSerializer(secret, salt="precis.mail.unsubscribe")

    @classmethod
    def of(cls, store: Store) -> Signer:
        return cls(app_secret(store, SECRET_NAME))

    def confirm_token(self, subscriber_id: int, email: str) -> str:
        return self._confirm.dumps([subscriber_id, email])

    def read_confirm(self, token: str) -> tuple[int, str]:
        """(subscriber id, email) of a confirmation token; ``BadLink`` otherwise."""
        try:
            if len(token) > MAX_TOKEN:
                raise BadData("too long")
            sid, email = self._confirm.loads(token, max_age=int(CONFIRM_LIFETIME.total_seconds()))
        except SignatureExpired:
            raise BadLink(f"this confirmation link has expired (links last {CONFIRM_LIFETIME.days} days): "
                          "sign up again to get a new one", gone=True) from None
        except (BadData, TypeError, ValueError):
            raise BadLink("this confirmation link is not valid: copy the whole link from the email") from None
        return int(sid), str(email)

    def unsubscribe_token(self, subscriber_id: int, issue_id: int | None = None) -> str:
        return self._unsubscribe.dumps([subscriber_id, issue_id])

    def read_unsubscribe(self, token: str) -> tuple[int, int | None]:
        """(subscriber id, issue id or None) of an unsubscribe token; ``BadLink`` otherwise."""
        try:
            if len(token) > MAX_TOKEN:
                raise BadData("too long")
            sid, issue_id = self._unsubscribe.loads(token)
            return int(sid), (int(issue_id) if issue_id is not None else None)
        except (BadData, TypeError, ValueError):
            raise BadLink("this unsubscribe link is not valid: copy the whole link from the email") from None


def confirm_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/subscribe/confirm/{token}"


def unsubscribe_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/unsubscribe/{token}"
