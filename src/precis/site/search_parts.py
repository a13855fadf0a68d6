"""The static search index in parts: one Pagefind index per run of issues, merged in the browser.

One Pagefind index over every entry is remade whole after any change to any entry: 2 to 8 s for
the real archive on this machine, growing with the archive. So the entries are split by issue
into parts of ``ISSUES_PER_PART`` consecutive issues (entries in no issue make a part of their
own), and each part is a Pagefind index of its own, remade only when its search documents
changed: an edited summary re-indexes about 450 entries, whatever the size of the archive, and a
new issue only the last part. The search page (``static/search.js``) loads the first part as
Pagefind's primary index and merges the others (Pagefind's ``mergeIndex``), listed in
``pagefind/parts/index.json``; Pagefind merges their results by score and their filters' counts.

The first part is written where a single index used to be (``pagefind/``: Pagefind's browser
code, its WebAssembly and the index); every other part at ``pagefind/parts/<name>/`` with only
what a merged index is read from (its entry file, metadata, index, filter and fragment chunks).
Pagefind itself is not deterministic (two runs on the same documents name some chunks
differently), so a part is remade only when its documents changed, never to compare bytes.

A part's documents are kept in the render cache (``<render cache>/search/<folder>-<part>.pickle``)
so that a build after an edit can start Pagefind on the edited part before it has read the
archive (``guess``): the part's documents of the last build with the edited entries' new ones.
The build adopts that run only if the documents it then makes of the part are those exactly;
else it is stopped and Pagefind started again, as without a guess.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import tempfile
import threading
from collections.abc import Collection, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from precis.errors import PrecisError
from precis.paths import cache_dir, folder_key, load_cached, save_cached
from precis.site.writer import SiteWriter, digest

ISSUES_PER_PART = 40
PRIMARY = "pagefind/"
PARTS = "pagefind/parts/"
PART_LIST = PARTS + "index.json"
UNISSUED = "unissued"
# What Pagefind reads of a merged index (it takes the browser code and WebAssembly from the primary).
_MERGED_FILES = ("pagefind-entry.json",)
_MERGED_FOLDERS = ("index/", "filter/", "fragment/")


def part_name(issue_position: int | None) -> str:
    """The part of an entry whose issue is the archive's ``issue_position``-th (None: in no issue)."""
    return UNISSUED if issue_position is None else str(issue_position // ISSUES_PER_PART + 1)


def location(n: int, name: str) -> str:
    """Where the ``n``-th part (in ``ordered`` order), named ``name``, is written."""
    return PRIMARY if n == 0 else f"{PARTS}{name}/"


def _key(docs: dict[str, str]) -> str:
    """What identifies a part's documents (the site writer's input key of its files)."""
    return digest(json.dumps(sorted(docs.items())).encode())


def _docs_path(outdir: Path, location: str) -> Path:
    return cache_dir("render") / "search" / f"{folder_key(outdir)}-{location.strip('/').replace('/', '-')}.pickle"


def _kept_docs(outdir: Path) -> list[Path]:
    """The files of the documents kept for the parts of the folder ``outdir``, of every part."""
    return list((cache_dir("render") / "search").glob(f"{folder_key(outdir)}-*.pickle"))


def forget(outdir: Path, but: Collection[Path] = ()) -> None:
    """Remove the documents kept for the parts of the folder ``outdir`` (about to be deleted), but
    those of the files ``but``."""
    for path in _kept_docs(outdir):
        if path not in but:
            with contextlib.suppress(OSError):
                path.unlink()


def _order(name: str) -> tuple[bool, int]:
    return (name == UNISSUED, 0 if name == UNISSUED else int(name))


def _location(path: str) -> str | None:
    """The part of the index a site file belongs to ("pagefind/", "pagefind/parts/3/"), if any."""
    if path.startswith(PARTS):
        rest = path[len(PARTS):]  # "3/index/…"; the list of parts ("index.json") is in none
        return f"{PARTS}{rest.split('/', 1)[0]}/" if "/" in rest else None
    return PRIMARY if path.startswith(PRIMARY) else None


def _published(relative: str) -> bool:
    """Whether a file of a merged part's Pagefind output is read by the browser."""
    return relative in _MERGED_FILES or relative.endswith(".pf_meta") or relative.startswith(_MERGED_FOLDERS)


@dataclass
class _Run:
    location: str
    key: str  # of the documents Pagefind indexes
    source: tempfile.TemporaryDirectory[str]
    output: tempfile.TemporaryDirectory[str]
    result: Future[tuple[int, str]] | None = None
    process: subprocess.Popen[str] | None = None
    discarded: bool = False  # a guess the build did not adopt: its files are not written


class SearchParts:
    """Pagefind at work on the parts whose documents changed, a few processes at a time, while the
    builder renders the pages; ``finish`` writes their files and keeps the other parts'."""

    def __init__(self, writer: SiteWriter, executable: Path) -> None:
        self.writer = writer
        self.executable = executable
        self.locations: list[str] = []
        self.kept: list[str] = []
        self.runs: list[_Run] = []
        self._finished: queue.SimpleQueue[_Run] = queue.SimpleQueue()  # runs done, files not yet written
        self._written: set[str] = set()  # locations whose files are written
        self._pool = ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)))
        self._processes: list[subprocess.Popen[str]] = []
        self._lock = threading.Lock()
        self._stopped = False
        self.guessed: dict[str, _Run] = {}  # location -> run started by ``guess``, not yet adopted

    def guess(self, location: str, edited: dict[str, str], scratch_dir: str | None) -> bool:
        """Start Pagefind on the part at ``location`` as the last build indexed it but with the
        documents ``edited`` (site path: document; each replacing one of the part's), before the
        build knows that part's documents; ``start`` adopts the run if they are those. False (and
        nothing started) when the part's documents were not kept or are not those its current
        files were made from, one of ``edited`` is not in it, or none of them differs from it."""
        previous = self.writer.previous_inputs.get(f"search:{location}")
        kept = load_cached(_docs_path(self.writer.outdir, location))
        if previous is None or not isinstance(kept, dict) or not edited.keys() <= kept.keys():
            return False
        docs = {**kept, **edited}
        if _key(kept) != previous or _key(docs) == previous:  # not those indexed, or nothing to index again
            return False
        self.guessed[location] = self._run(location, docs, scratch_dir)
        return True

    def start(self, parts: Iterable[tuple[str, dict[str, str] | None]], scratch_dir: str | None) -> None:
        """Start Pagefind on each part (name, {site path: search document}) whose documents differ
        from those its current files were made from; a part given no documents (None) is known to
        be as the last build left it. Parts come in order; the first is the primary. Each part's
        documents are written out (and Pagefind started on them) before the next part is taken,
        so ``parts`` may make them as it goes."""
        try:
            self._start(parts, scratch_dir)
        except BaseException:
            self.stop()
            raise

    def _start(self, parts: Iterable[tuple[str, dict[str, str] | None]], scratch_dir: str | None) -> None:
        indexed = {_location(p) for p in self.writer.previous}
        # An empty archive still runs Pagefind, which says it has nothing to index.
        for n, (name, docs) in enumerate(_or_empty(parts)):
            where = location(n, name)
            self.locations.append(where)
            previous = self.writer.previous_inputs.get(f"search:{where}")
            key = previous if docs is None else _key(docs)
            if key is None or (docs is None and where not in indexed):
                raise ValueError(f"the search part {where} has no documents and no previous index")
            self.writer.inputs[f"search:{where}"] = key
            guessed = self.guessed.pop(where, None)
            if guessed is not None and guessed.key != key:
                self._discard(guessed)
                guessed = None
            if guessed is None and previous == key and where in indexed:
                self.kept.append(where)
                if docs is not None and not _docs_path(self.writer.outdir, where).exists():
                    save_cached(_docs_path(self.writer.outdir, where), docs)  # for the next guess
                continue
            assert docs is not None
            self.runs.append(guessed or self._run(where, docs, scratch_dir))
            save_cached(_docs_path(self.writer.outdir, where), docs)
        for guessed in self.guessed.values():  # parts the archive no longer has
            self._discard(guessed)
        self.guessed.clear()

    def _run(self, where: str, docs: dict[str, str], scratch_dir: str | None) -> _Run:
        """Pagefind started on ``docs``, the documents of the part at ``where``."""
        run = _Run(
            where, _key(docs),
            tempfile.TemporaryDirectory(prefix="precis-search-documents-", dir=scratch_dir),
            tempfile.TemporaryDirectory(prefix="precis-pagefind-", dir=scratch_dir),
        )
        for path, html in docs.items():
            target = Path(run.source.name, path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(html, "utf-8")
        run.result = self._pool.submit(self._pagefind, run)
        run.result.add_done_callback(partial(self._done, run))
        return run

    def _pagefind(self, run: _Run) -> tuple[int, str]:
        command = [
            str(self.executable), "--site", run.source.name, "--output-path", run.output.name,
            "--force-language", "en", "--silent",
        ]
        with self._lock:
            if self._stopped or run.discarded:
                return -1, "stopped"
            run.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            self._processes.append(run.process)
        said, _ = run.process.communicate()
        return run.process.returncode, said

    def _discard(self, run: _Run) -> None:
        """Stop a guessed run the build does not adopt, and remove its folders."""
        with self._lock:
            run.discarded = True
            if run.process is not None and run.process.poll() is None:
                run.process.kill()
        assert run.result is not None
        with contextlib.suppress(Exception):
            run.result.result()
        run.source.cleanup()
        run.output.cleanup()

    def _done(self, run: _Run, _result: Future[tuple[int, str]]) -> None:
        self._finished.put(run)  # in Pagefind's thread: ``collect`` writes the files

    def collect(self) -> None:
        """Write the files of the parts Pagefind has finished since the last call, without waiting
        for the others: called between pages, so that the files are not all written at the end
        of a build, alone (100,000 of them at 100,000 entries, while a processor stood idle)."""
        while not self._finished.empty():
            self._write(self._finished.get())

    def finish(self) -> bool:
        """Wait for Pagefind and write the parts it made, keep the others, list the merged parts;
        True if any part was remade."""
        try:
            kept = set(self.kept)
            self.writer.keep_where(lambda path: _location(path) in kept)
            for run in self.runs:
                self._write(run)
            merged = [where.removeprefix(PRIMARY) for where in self.locations[1:]]
            self.writer.write(PART_LIST, json.dumps(merged))
        finally:
            self._pool.shutdown()
        # Those of the parts the archive no longer has go.
        forget(self.writer.outdir, but={_docs_path(self.writer.outdir, where) for where in self.locations})
        return bool(self.runs)

    def _write(self, run: _Run) -> None:
        """Write the files Pagefind made for ``run``'s part (once), waiting for it if need be."""
        if run.discarded or run.location in self._written:
            return
        self._written.add(run.location)
        with run.source, run.output:
            assert run.result is not None
            returncode, said = run.result.result()
            if returncode != 0:
                lines = said.strip().splitlines()
                said = lines[-1] if lines else str(returncode)
                raise PrecisError(f"pagefind could not make the search index: {said}")
            root = Path(run.output.name)
            for path in sorted(root.rglob("*")):
                relative = path.relative_to(root).as_posix()
                if path.is_file() and (run.location == PRIMARY or _published(relative)):
                    self.writer.write(run.location + relative, path.read_bytes())

    def stop(self) -> None:
        """Kill what runs and remove the temporary folders (a build that gives up)."""
        with self._lock:
            self._stopped = True
            for process in self._processes:
                if process.poll() is None:
                    process.kill()
        self._pool.shutdown(cancel_futures=True)
        for process in self._processes:
            process.wait()
        for run in [*self.runs, *self.guessed.values()]:
            run.source.cleanup()
            run.output.cleanup()


def ordered(names: Iterable[str]) -> list[str]:
    """The parts' names in the order their issues come, the part of entries in no issue last."""
    return sorted(names, key=_order)


def _or_empty(parts: Iterable[tuple[str, dict[str, str] | None]]) -> Iterator[tuple[str, dict[str, str] | None]]:
    """The parts, or one empty part if there are none."""
    empty = True
    for part in parts:
        empty = False
        yield part
    if empty:
        yield "1", {}
