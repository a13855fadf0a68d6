"""Making the messages of a send in worker processes when DKIM signs them.

dkimpy signs with Python's own big-number arithmetic, which holds the interpreter lock: one process
signs a few dozen messages a second. With a key and many recipients, the messages are made in
worker processes (one per core, at most ``concurrency``), forked before the sending threads start
so that they hold only the ``Composer``; otherwise in the caller's thread. (Not ``spawn``: it
would run ``python -m precis`` again in each worker.)
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor

from precis.mail.message import Composer, Message

#: Fewer recipients than this are not worth starting processes for.
POOL_FROM = 50

_composer: Composer | None = None
#: Who a message is for: address, name, unsubscribe link.
Addressee = tuple[str, str | None, str]


def _start(composer: Composer, parent: int) -> None:
    global _composer
    _composer = composer
    threading.Thread(target=_orphaned, args=(parent,), daemon=True).start()


def _orphaned(parent: int) -> None:
    """End this worker when the send that started it is gone (killed: nobody else would)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def _make(batch: list[Addressee]) -> list[Message]:
    assert _composer is not None, "the pool's initializer sets the composer"
    return [_composer.message(*a) for a in batch]


class Maker:
    """Makes each recipient's message, in worker processes or here (see the module doc)."""

    def __init__(self, composer: Composer, recipients: int, concurrency: int) -> None:
        self.composer = composer
        processes = min(concurrency, os.cpu_count() or 1)
        self.pool: ProcessPoolExecutor | None = None
        if composer.dkim is not None and recipients >= POOL_FROM and processes > 1:
            self.pool = ProcessPoolExecutor(
                processes, mp_context=multiprocessing.get_context("fork"), initializer=_start,
                initargs=(composer, os.getpid()),
            )
            for _ in range(processes):  # start them now, before the threads: a fork copies one thread
                self.pool.submit(int).result()

    def messages(self, batch: list[Addressee]) -> list[Message]:
        """The messages of a batch of (address, name, unsubscribe link), in order (a batch goes to
        a worker process whole: one round trip for many messages)."""
        if self.pool is None:
            return [self.composer.message(*a) for a in batch]
        return self.pool.submit(_make, batch).result()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
