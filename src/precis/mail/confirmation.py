"""The confirmation email of a sign-up (double opt-in): a short text message with the signed link,
sent at once through the configured relay (DKIM-signed when a key is configured)."""

from __future__ import annotations

from precis.mail.config import MailConfig
from precis.mail.links import CONFIRM_LIFETIME
from precis.mail.single import send_now, single_message


def confirmation_message(config: MailConfig, publication: str, to: str, link: str) -> bytes:
    return single_message(
        config, to, f"Confirm your subscription to {publication}",
        f"Someone, probably you, asked to receive {publication} at this address.\n\n"
        f"To confirm, open this link (it works for {CONFIRM_LIFETIME.days} days):\n\n{link}\n\n"
        "If you did not ask for it, ignore this message: nothing will be sent to you.\n",
    )


def send_confirmation(config: MailConfig, publication: str, to: str, link: str) -> None:
    """Send it now (``PrecisError`` naming the address when it cannot go)."""
    send_now(config, to, confirmation_message(config, publication, to, link))
