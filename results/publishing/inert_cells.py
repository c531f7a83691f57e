"""Spreadsheet cells that cannot run: what a captain types on the public form stays text.

A team called `=HYPERLINK("http://x","win")` would otherwise become a live formula in the
organiser's spreadsheet when the results CSV or XLSX is opened. As OWASP recommends (CSV
injection), a text cell that a spreadsheet would run gets a leading apostrophe, which
spreadsheets read as "this is text": one that begins with `=` or `@`, a tab or a carriage
return, or with `+` or `-` followed by anything but a number or a time. A gap "+13:25", a
time "-0:01:00" or a number "-1" cannot call a function, so they are written as they are.
JSON exports stay exact.
"""

import re

from django.utils.encoding import force_str
from django_tables2.export import ExportMixin, TableExport

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
INERT_PREFIX = "'"
# A sign, then digits, colons, points and commas only (or nothing): a number, a time or a gap,
# which a spreadsheet reads as a value; no name, so no function to call.
SIGNED_VALUE = re.compile(r"[+-](?:\d[\d:.,]*)?")


def runs_as_formula(text: str) -> bool:
    """Whether a spreadsheet would run `text` as a formula rather than show it."""
    return text.startswith(FORMULA_STARTS) and not SIGNED_VALUE.fullmatch(text)


def inert_cell(value):
    """The value as a spreadsheet may safely show it; numbers, dates and empty cells are kept."""
    text = force_str(value, strings_only=True)
    if isinstance(text, str) and runs_as_formula(text):
        return INERT_PREFIX + text
    return text


class InertTableExport(TableExport):
    """TableExport whose spreadsheet formats (CSV, TSV, ODS, XLS, XLSX) hold no live formula.

    The data formats (JSON, YAML, LaTeX) are read by programs, not spreadsheets: kept exact.
    """

    SPREADSHEET_FORMATS = frozenset(
        {TableExport.CSV, TableExport.TSV, TableExport.ODS, TableExport.XLS, TableExport.XLSX}
    )

    def __init__(self, export_format, table, exclude_columns=None, dataset_kwargs=None):
        self.inert = export_format in self.SPREADSHEET_FORMATS
        super().__init__(export_format, table, exclude_columns, dataset_kwargs)

    def table_to_dataset(self, table, exclude_columns, dataset_kwargs=None):
        dataset = super().table_to_dataset(table, exclude_columns, dataset_kwargs)
        if self.inert:
            dataset.headers = [inert_cell(cell) for cell in dataset.headers or []]
            for i in range(dataset.height):
                dataset[i] = [inert_cell(cell) for cell in dataset[i]]
        return dataset


class InertExportMixin(ExportMixin):
    """ExportMixin for table views: their CSV and XLSX downloads go through InertTableExport."""

    export_class = InertTableExport
