"""The private link of a review request: a token signed with the app's key ``"review"``.

The token carries the request's id and its entry's id and nothing else; no secret is stored per
request, so the link can be made again (a reminder sends the same link). Whether a link still
opens is the request row's business (expiry, revocation: ``answers.open_review``); a token that was
tampered with or made up is a ``mail.links.BadLink``.
"""

from __future__ import annotations

import hashlib

from itsdangerous import BadData, URLSafeSerializer

from precis.mail.links import MAX_TOKEN, BadLink
from precis.newsroom.credentials import app_secret
from precis.store import Store

SECRET_NAME = "review"
SALT = "precis.review.request"
NOT_VALID = "this review link is not valid: copy the whole link from the email, or ask the editor for a new one"


class ReviewSigner:
    """Makes and reads review tokens (see the module doc)."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeSerializer(secret, salt=SALT, signer_kwargs={"digest_method": hashlib.sha256})

    @classmethod
    def of(cls, store: Store) -> ReviewSigner:
        return cls(app_secret(store, SECRET_NAME))

    def token(self, request_id: int, entry_id: int) -> str:
        return str(self._serializer.dumps([request_id, entry_id]))

    def read(self, token: str) -> tuple[int, int]:
        """(request id, entry id) of a token; ``BadLink`` for one tampered with or made up."""
        try:
            if len(token) > MAX_TOKEN:
                raise BadData("too long")
            request_id, entry_id = self._serializer.loads(token)
            if isinstance(request_id, bool) or isinstance(entry_id, bool):
                raise TypeError("not ids")
            return int(request_id), int(entry_id)
        except (BadData, TypeError, ValueError):
            raise BadLink(NOT_VALID) from None


def review_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/review/{token}"
