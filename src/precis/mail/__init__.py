"""Mail: subscribers and their history, composing messages (multipart, DKIM, List-Unsubscribe),
delivery over SMTP and the send log that makes a send resumable."""
