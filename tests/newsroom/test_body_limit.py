"""No request body over the limit is read, whether it declares its length or comes in chunks (which
declare none): the answer is 413, in the words of the part of the site it was sent to, and the
server goes on answering."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from starlette.testclient import TestClient

from precis.web.limits import MAX_BODY

ClientAs = Callable[[str | None], TestClient]


def chunks(total: int, size: int = 64_000) -> Iterator[bytes]:
    """A form body of ``total`` bytes sent in pieces, without a Content-Length."""
    yield b"email=reader%40example.org&name="
    sent = 0
    while sent < total:
        yield b"x" * size
        sent += size


def test_a_public_form_sent_in_chunks_past_the_limit_is_refused_413(client_as: ClientAs) -> None:
    anonymous = client_as(None)
    answer = anonymous.post("/subscribe", content=chunks(MAX_BODY + 1),
                            headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 413
    assert f"over {MAX_BODY:,} bytes" in answer.text
    assert anonymous.get("/subscribe").status_code == 200  # and the server goes on


def test_a_newsroom_form_over_the_limit_is_refused_413_with_a_page(client_as: ClientAs) -> None:
    editor = client_as("editor")
    declared = editor.post("/newsroom/entries/1/comments", data={"text": "x" * (MAX_BODY + 1)})
    assert declared.status_code == 413 and "<html" in declared.text.lower()
    streamed = editor.post("/newsroom/entries/1/comments", content=chunks(MAX_BODY + 1),
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert streamed.status_code == 413 and f"over {MAX_BODY:,} bytes" in streamed.text


def test_a_body_under_the_limit_sent_in_chunks_is_read_as_usual(client_as: ClientAs) -> None:
    editor = client_as("editor")
    body = iter([b"text=A+comment+sent+", b"in+two+pieces."])
    answer = editor.post("/newsroom/entries/1/comments", content=body,
                         headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code in (200, 303), answer.text[:300]
    assert "A comment sent in two pieces." in editor.get("/newsroom/entries/1").text
