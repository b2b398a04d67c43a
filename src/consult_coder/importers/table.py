"""CSV text read record by record, every problem one line naming the file and the line.

Participants sheets, codebooks and codings tables are often edited by hand in a spreadsheet, where a
stray quote easily makes the csv module read the rest of the file as one value. Nothing is merged or
cut silently here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from consult_coder.errors import UserError
from consult_coder.limits import MAX_CSV_FIELD_CHARS, human


def csv_records(text: str, name: str, delimiter: str = ",", width: int | None = None
                ) -> Iterator[tuple[int, list[str]]]:
    """``(line, values)`` for each record of a CSV text, ``line`` being where the record starts.

    Nothing is silently merged or cut: a quote never closed, or one that swallows the rows after it
    (a value spanning lines that hold a whole row's worth of ``delimiter``, when ``width`` columns
    are expected), and a value over the csv module's field limit, are each one line naming the file.
    """
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    end = 0
    while True:
        start = end + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise UserError(_csv_problem(name, start, str(exc))) from None
        end = reader.line_num
        if width and end > start:
            for value in values:
                swallowed = next((k for k, row in enumerate(value.split("\n")[1:], start=1)
                                  if row.count(delimiter) >= width - 1), None)
                if swallowed is not None:
                    raise UserError(f"{name} line {start}: a quote in this row is not closed where it "
                                    f"should be, so line {start + swallowed} was read as part of one "
                                    "value; check the quotes on this row")
        yield start, values


def _csv_problem(name: str, line: int, problem: str) -> str:
    if "field larger than field limit" in problem:
        return (f"{name} line {line}: a value is longer than {human(MAX_CSV_FIELD_CHARS)} (often a quote "
                "that is never closed)")
    if "unexpected end of data" in problem or "EOF" in problem:
        return f"{name} line {line}: a quote opened on this row is never closed"
    return f"{name} line {line}: not valid CSV ({problem}); check the quotes on this row"
