"""CSV downloads of Jobs views: streamed in chunks, Excel-friendly, safe to open.

UTF-8 with a byte-order mark (Excel then reads the accents right), CRLF lines, ISO 8601
dates, and any text cell that a spreadsheet would run as a formula (starting with `=`,
`+`, `-`, `@`, a tab or a carriage return) prefixed with `'` (CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Generator, Iterable
from datetime import date, datetime

from erp_dashboard.services import list_rows
from erp_dashboard.services.job_lists import PageQuery
from erp_dashboard.services.permissions import Actor

COLUMNS = (  # header, row field
    ("Name", "name"),
    ("Number", "number"),
    ("Street", "street"),
    ("City", "city"),
    ("State", "state"),
    ("Postal code", "postal_code"),
    ("Creator", "creator"),
    ("Sent to ERP", "sent_at"),
    ("Start", "start_date"),
    ("Projected end", "end_date"),
    ("Status", "status_label"),
    ("Customer", "customer"),
    ("QuickBooks job", "quickbooks_job"),
    ("Synced", "synced_at"),
    ("QuickBooks status code", "error_code"),
    ("QuickBooks error", "error_message"),
    ("Changed", "changed_at"),
)
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_CHUNK = 500


def cell(value: object) -> str:
    """One value as CSV text: dates in ISO 8601, formulas neutralised."""
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return list_rows.iso(value)
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def filename(query: PageQuery, today: date) -> str:
    """The download's name: the list and the day, e.g. ready-to-export-2026-11-26.csv."""
    return f"{query.job_list.replace('_', '-')}-{today.isoformat()}.csv"


def csv_chunks(actor: Actor, query: PageQuery) -> Generator[bytes, None, None]:
    """The CSV of a Jobs view (every row, however many pages it has) as encoded chunks.

    Permission and the query are checked at once (ServiceError); the header comes first,
    then the rows as they are read; closing the iterator ends the database read.
    """
    rows = list_rows.stream(actor, query)
    values = ((row[field] for _, field in COLUMNS) for row in rows)
    return table_chunks([header for header, _ in COLUMNS], values, rows.close)


def table_chunks(
    header: Iterable[str],
    rows: Iterable[Iterable[object]],
    close: Callable[[], None] = lambda: None,
) -> Generator[bytes, None, None]:
    """Any table as CSV chunks: the BOM and header first, then ROWS_PER_CHUNK rows a chunk;
    `close` runs when the iterator ends or is closed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode()

    try:
        buffer.write(BOM)
        writer.writerow(header)
        yield flush()
        for n, row in enumerate(rows, 1):
            writer.writerow(cell(value) for value in row)
            if n % ROWS_PER_CHUNK == 0:
                yield flush()
        if tail := flush():
            yield tail
    finally:
        close()
