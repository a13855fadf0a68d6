"""The review request email: plain text and HTML, saying who asks, what the link does and until when
it opens; sent at once (``mail.single``) through the configured relay."""

from __future__ import annotations

from datetime import datetime
from html import escape

from precis.mail.config import MailConfig
from precis.mail.single import single_message


def subject(publication: str, title: str, reminder: bool = False) -> str:
    said = f"Planned summary for {publication}: {' '.join(title.split())} — please check it"
    return f"Reminder: {said}" if reminder else said


def request_message(
    config: MailConfig, *, publication: str, title: str, to: str, name: str | None, link: str,
    asked_by: str | None, expires_at: datetime, reminder: bool = False,
) -> bytes:
    """The message to one reviewer, as bytes ready for SMTP (CRLF line ends, signed if configured)."""
    who = f"{asked_by}, an editor of {publication}, asks" if asked_by else f"The editors of {publication} ask"
    until = f"{expires_at:%-d %B %Y}"
    hello = f"Dear {name}," if name else "Hello,"
    clean_title = " ".join(title.split())
    text = (
        f"{hello}\n\n"
        f"{who} you to check the summary of your work \"{clean_title}\" that {publication} plans to "
        "publish, before it goes out.\n\n"
        "This private link shows the summary and opinion exactly as they will be published. On that page "
        "you can approve it as is, comment on it (on the whole or on a passage), or propose an edit of the "
        "summary. No account or password is needed; the editors decide what to change.\n\n"
        f"{link}\n\n"
        f"The link works until {until}. It is meant for you alone: please do not share it.\n"
        "If you did not expect this message, ignore it.\n"
    )
    html = (
        "<!doctype html><html><body>"
        f"<p>{escape(hello)}</p>"
        f"<p>{escape(who)} you to check the summary of your work &ldquo;{escape(clean_title)}&rdquo; that "
        f"{escape(publication)} plans to publish, before it goes out.</p>"
        "<p>This private link shows the summary and opinion exactly as they will be published. On that page "
        "you can approve it as is, comment on it (on the whole or on a passage), or propose an edit of the "
        "summary. No account or password is needed; the editors decide what to change.</p>"
        f'<p><a href="{escape(link)}">Check the planned summary</a></p>'
        f"<p>The link works until {escape(until)}. It is meant for you alone: please do not share it. "
        "If you did not expect this message, ignore it.</p>"
        "</body></html>"
    )
    return single_message(config, to, subject(publication, title, reminder), text, name=name, html=html)
