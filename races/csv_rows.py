"""Reading the CSV files organisers and chip readers hand us.

UTF-8 with or without a byte-order mark (Excel writes one), a header row, and line numbers
as an editor shows them so a message can say exactly where to look.
"""

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, TextIO

from django.utils.translation import gettext as _

from races.problems import InputProblems, Problem


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")


def decode_upload(raw: bytes, filename: str = "the file") -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = _(
            "%(file)s is not UTF-8 text (byte 0x%(byte)02x); save it as 'CSV UTF-8' and import it again."
        ) % {"file": filename, "byte": raw[exc.start]}
        raise InputProblems([Problem(message, line=line)]) from None
    return text


def read_rows(
    raw: bytes | BinaryIO,
    *,
    required: Iterable[str],
    optional: Iterable[str] = (),
    filename: str = "the file",
    problems: list[Problem],
    allow_no_rows: bool = False,
) -> list[Row]:
    """The well-formed data rows; InputProblems if the header or the whole file is unusable.

    A malformed row is added to `problems` and left out, so the caller reports it beside the
    problems it finds in the other rows' values, all in one go.
    """
    return list(
        iter_rows(
            raw,
            required=required,
            optional=optional,
            filename=filename,
            problems=problems,
            allow_no_rows=allow_no_rows,
        )
    )


def iter_rows(
    raw: bytes | BinaryIO,
    *,
    required: Iterable[str],
    optional: Iterable[str] = (),
    filename: str = "the file",
    problems: list[Problem],
    allow_no_rows: bool = False,
) -> Iterator[Row]:
    """`read_rows` one row at a time, from bytes or from a binary file read as a stream (a chip
    file of 20 MB is never held whole in memory); the file is read from its start. InputProblems
    for the header comes with the first row asked for."""
    binary = io.BytesIO(raw) if isinstance(raw, bytes | bytearray) else raw
    binary.seek(0)
    # newline="": the csv module sees line ends as they are, as in a quoted field spanning lines.
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
    try:
        yield from _rows(text, list(required), list(optional), filename, problems, allow_no_rows)
    except UnicodeDecodeError:
        raise InputProblems([_undecodable(binary, filename)]) from None
    finally:
        text.detach()  # the caller's file stays open


def _undecodable(binary: BinaryIO, filename: str) -> Problem:
    """Where a file stops being UTF-8: its line, as an editor counts them, and the byte."""
    binary.seek(0)
    line, byte = 1, 0
    # readline: lines end at \n alone, as the message has always counted them.
    for number, content in enumerate(iter(binary.readline, b""), start=1):
        if number == 1 and content.startswith(codecs.BOM_UTF8):
            content = content[len(codecs.BOM_UTF8) :]
        try:
            content.decode("utf-8")
        except UnicodeDecodeError as exc:
            line, byte = number, content[exc.start]
            break
    message = _(
        "%(file)s is not UTF-8 text (byte 0x%(byte)02x); save it as 'CSV UTF-8' and import it again."
    ) % {"file": filename, "byte": byte}
    return Problem(message, line=line)


def _rows(
    text: TextIO,
    required: list[str],
    optional: list[str],
    filename: str,
    problems: list[Problem],
    allow_no_rows: bool,
) -> Iterator[Row]:
    # strict: an unclosed quote is an error to report, not something to repair silently.
    reader = csv.reader(text, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InputProblems([Problem(_("the header cannot be read (%s).") % exc, line=1)]) from None
    if header is None or not any(h.strip() for h in header):
        raise InputProblems(
            [
                _("%(file)s is empty; it needs a header row: %(cols)s.")
                % {"file": filename, "cols": ",".join(required)}
            ]
        )
    columns = [h.strip().lower() for h in header]
    header_problems = []
    missing = [c for c in required if c not in columns]
    if missing:
        header_problems.append(Problem(_("missing column(s) %s.") % ", ".join(missing), line=1))
    unknown = [c for c in columns if c and c not in required and c not in optional]
    if unknown:
        header_problems.append(
            Problem(
                _("unknown column(s) %(unknown)s; the columns are %(known)s.")
                % {"unknown": ", ".join(unknown), "known": ", ".join(required + optional)},
                line=1,
            )
        )
    duplicated = sorted({c for c in columns if c and columns.count(c) > 1})
    if duplicated:
        header_problems.append(
            Problem(_("column(s) %s appear more than once.") % ", ".join(duplicated), line=1)
        )
    if header_problems:
        raise InputProblems(header_problems)

    rows = 0
    line = reader.line_num
    try:
        for fields in reader:
            start, line = line + 1, reader.line_num
            if not any(f.strip() for f in fields):
                continue  # a blank line, as spreadsheets leave at the end
            if len(fields) != len(columns):
                problems.append(
                    Problem(
                        _("%(have)d fields where the header has %(want)d; check for a stray comma or quote.")
                        % {"have": len(fields), "want": len(columns)},
                        line=start,
                    )
                )
                continue
            if any("\x00" in f for f in fields):
                problems.append(
                    Problem(_("contains a NUL character; save the file again as CSV."), line=start)
                )
                continue
            rows += 1
            yield Row(start, {c: f.strip() for c, f in zip(columns, fields, strict=True) if c})
    except csv.Error as exc:
        # Translators: the csv module's own words (in English), as a sentence.
        problems.append(Problem(_("%(error)s.") % {"error": exc}, line=line + 1))
    if not rows and not problems and not allow_no_rows:
        raise InputProblems([_("%s has a header but no rows.") % filename])
