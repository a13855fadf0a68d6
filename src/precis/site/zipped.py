"""The .xlsx download's package, written part by part, its sheet deflated in independent pieces.

An .xlsx is a zip. At 100,000 entries its sheet is 230 MB of XML and its hyperlinks' part 40 MB;
deflating them again took 11 s of a build after one edited summary, the longest step of it (the
rows the edit changed are a few kilobytes). Here the sheet is deflated a piece at a time (about a
megabyte of rows each), each piece on its own (a new compressor, so that none refers back into
another), and the pieces follow one another in the part's one deflate stream: any zip reader reads
it as usual. A splice then deflates again the pieces that hold changed rows and copies every other
piece, and every other part, as it is. ``zipfile`` cannot write a part from bytes deflated already,
so the package's few headers are written here (APPNOTE.TXT, without Zip64: Excel takes at most
1,048,576 rows, well under 4 GB of sheet); it is read back with ``zipfile`` in the tests.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Protocol
from zipfile import ZipInfo

from precis.errors import PrecisError

#: zlib's level, as ``zipfile``'s ZIP_DEFLATED uses it.
LEVEL = 6
#: About how many bytes of a part go into one piece (it ends at the end of a write: a whole row).
PIECE = 1 << 20
_LIMIT = 0xFFFFFFFF
_FLAGS = 0x08  # sizes and CRC after the data (a data descriptor)
_VERSION = 20  # deflate
_LOCAL, _DESCRIPTOR, _CENTRAL, _END = 0x04034B50, 0x08074B50, 0x02014B50, 0x06054B50


def deflated(data: bytes, final: bool = True) -> bytes:
    """``data`` deflated on its own (raw, no zlib header); not ``final``: ending on a byte
    boundary with no last block, so that another piece may follow it in the stream."""
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)


#: A deflate stream's last block, empty: what ends a part made of pieces.
LAST_BLOCK = deflated(b"")


class Writable(Protocol):
    def write(self, data: bytes, /) -> object: ...


@dataclass
class Pieces:
    """Where a part's pieces lie: each one's length before and after deflating, in order."""

    plain: list[int] = field(default_factory=list)
    packed: list[int] = field(default_factory=list)


@dataclass
class _Member:
    info: ZipInfo
    offset: int
    crc: int = 0
    plain: int = 0
    packed: int = 0


class Package:
    """A zip package written to ``out`` part by part (each deflated), then closed."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.at = 0
        self.members: list[_Member] = []

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.at += len(data)

    def _begin(self, info: ZipInfo) -> _Member:
        name = info.filename.encode("ascii")
        member = _Member(info, self.at)
        time, date = _dos_time(info)
        self._write(struct.pack("<IHHHHHIIIHH", _LOCAL, _VERSION, _FLAGS, zlib.DEFLATED, time, date, 0, 0, 0,
                                len(name), 0) + name)
        return member

    def _end(self, member: _Member) -> None:
        if max(member.plain, member.packed, self.at) > _LIMIT:
            raise PrecisError(f"{member.info.filename}: the .xlsx download would be larger than 4 GB")
        self._write(struct.pack("<IIII", _DESCRIPTOR, member.crc, member.packed, member.plain))
        self.members.append(member)

    def part(self, info: ZipInfo, data: bytes) -> None:
        """A part holding ``data`` (named and dated by ``info``)."""
        member = self._begin(info)
        packed = deflated(data)
        self._write(packed)
        member.crc, member.plain, member.packed = zlib.crc32(data), len(data), len(packed)
        self._end(member)

    def copied(self, info: ZipInfo, source: IO[bytes]) -> None:
        """The part ``info`` of the zip ``source`` (its deflated bytes copied as they are)."""
        _seek_data(source, info)
        member = self._begin(info)
        left = info.compress_size
        while left:
            chunk = source.read(min(PIECE, left))
            if not chunk:
                raise ValueError(f"{info.filename}: the last build's download is shorter than its parts say")
            self._write(chunk)
            left -= len(chunk)
        member.crc, member.plain, member.packed = info.CRC, info.file_size, info.compress_size
        self._end(member)

    @contextmanager
    def pieced(self, info: ZipInfo, pieces: Pieces) -> Iterator[PiecedPart]:
        """A part written through the ``PiecedPart`` yielded; ``pieces`` is told where each lies."""
        member = self._begin(info)
        part = PiecedPart(self, member, pieces)
        yield part
        part.close()
        self._end(member)

    def spliced(
        self, info: ZipInfo, source: IO[bytes], pieces: Pieces, changes: Sequence[tuple[int, int, bytes]]
    ) -> Pieces:
        """The part ``info`` of the zip ``source`` (a file of this module's, whose ``pieces`` say
        where it lies) with each span (start, length, in its plain bytes) of ``changes`` (in order)
        replaced by its bytes: the pieces holding a change are deflated again, every other one is
        copied as it is. The part's new pieces; ``ValueError`` when it is not as ``pieces`` say."""
        made = Pieces()
        todo = iter(changes)
        change = next(todo, None)
        with self.pieced(info, made) as part:
            at = 0
            for size, packed in zip(pieces.plain, read_pieces(source, info, pieces), strict=True):
                mine = []
                while change is not None and change[0] < at + size:
                    start, length, data = change
                    if start + length > at + size:
                        raise ValueError(f"{info.filename}: a span of the last build's part is not within one piece")
                    mine.append((start - at, length, data))
                    change = next(todo, None)
                part.piece(*_spliced(inflated(packed), packed, mine))
                at += size
        if change is not None:
            raise ValueError(f"{info.filename}: the last build's part is shorter than its spans say")
        return made

    def close(self) -> None:
        """Write the central directory."""
        start = self.at
        for m in self.members:
            name = m.info.filename.encode("ascii")
            time, date = _dos_time(m.info)
            self._write(struct.pack(
                "<IHHHHHHIIIHHHHHII", _CENTRAL, (3 << 8) | _VERSION, _VERSION, _FLAGS, zlib.DEFLATED, time, date,
                m.crc, m.packed, m.plain, len(name), 0, 0, 0, 0, m.info.external_attr, m.offset,
            ) + name)
        count = len(self.members)
        self._write(struct.pack("<IHHHHIIH", _END, 0, 0, count, count, self.at - start, start, 0))


class PiecedPart:
    """A part of a ``Package`` written a piece at a time (``write``, or ``piece`` for one deflated
    already)."""

    def __init__(self, package: Package, member: _Member, pieces: Pieces) -> None:
        self.package, self.member, self.pieces = package, member, pieces
        self.buffer: list[bytes] = []
        self.buffered = 0

    def write(self, data: bytes) -> None:
        """Bytes of the part; a piece ends after the write that brings it to ``PIECE`` bytes."""
        self.buffer.append(data)
        self.buffered += len(data)
        if self.buffered >= PIECE:
            self.flush()

    def flush(self) -> None:
        """End the piece being written here (if it holds anything)."""
        if self.buffered:
            plain = b"".join(self.buffer)
            self.buffer, self.buffered = [], 0
            self.piece(plain, deflated(plain, final=False))

    def piece(self, plain: bytes, packed: bytes) -> None:
        """A piece: its bytes (``plain``) and those deflated on their own, not final (``deflated``)."""
        self.flush()
        self.package._write(packed)
        self.member.crc = zlib.crc32(plain, self.member.crc)
        self.member.plain += len(plain)
        self.member.packed += len(packed)
        self.pieces.plain.append(len(plain))
        self.pieces.packed.append(len(packed))

    def close(self) -> None:
        self.flush()
        self.package._write(LAST_BLOCK)
        self.member.packed += len(LAST_BLOCK)


def read_pieces(source: IO[bytes], info: ZipInfo, pieces: Pieces) -> Iterator[bytes]:
    """The deflated bytes of each piece of the part ``info`` of the zip ``source`` (a file of
    this module's), which ``pieces`` says lie there; ``ValueError`` when they do not."""
    if sum(pieces.packed) + len(LAST_BLOCK) != info.compress_size or sum(pieces.plain) != info.file_size:
        raise ValueError(f"{info.filename}: the last build's download is not made of the pieces its spans say")
    _seek_data(source, info)
    for packed in pieces.packed:
        data = source.read(packed)
        if len(data) != packed:
            raise ValueError(f"{info.filename}: the last build's download is shorter than its spans say")
        yield data


def _spliced(plain: bytes, packed: bytes, changes: list[tuple[int, int, bytes]]) -> tuple[bytes, bytes]:
    """A piece (plain and deflated) with ``changes`` made to its plain bytes (``spans.splice``)."""
    if not changes:
        return plain, packed
    from precis.site import spans  # (which keeps ``Pieces``: imported here, not at the top)

    out = io.BytesIO()
    spans.splice(io.BytesIO(plain), out, changes)
    return out.getvalue(), deflated(out.getvalue(), final=False)


def inflated(packed: bytes) -> bytes:
    """A piece's plain bytes."""
    return zlib.decompressobj(-15).decompress(packed)


def _seek_data(source: IO[bytes], info: ZipInfo) -> None:
    """Move ``source`` (a zip) to the first byte of its part ``info``'s data."""
    source.seek(info.header_offset + 26)
    name, extra = struct.unpack("<HH", source.read(4))
    source.seek(info.header_offset + 30 + name + extra)


def _dos_time(info: ZipInfo) -> tuple[int, int]:
    year, month, day, hour, minute, second = info.date_time
    return hour << 11 | minute << 5 | second // 2, (year - 1980) << 9 | month << 5 | day
