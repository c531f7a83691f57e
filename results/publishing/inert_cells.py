"""Spreadsheet cells that cannot run: what a captain types on the public form stays text.

A team called `=HYPERLINK("http://x","win")` would otherwise become a live formula in the
organiser's spreadsheet when the results CSV or XLSX is opened. As OWASP recommends (CSV
injection), a text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
leading apostrophe, which spreadsheets read as "this is text". That also marks a displayed
time such as "-0:01:00"; a number that cannot run is a fair price. JSON exports stay exact.
"""

from django.utils.encoding import force_str
from django_tables2.export import ExportMixin, TableExport

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
INERT_PREFIX = "'"


def inert_cell(value):
    """The value as a spreadsheet may safely show it; numbers, dates and empty cells are kept."""
    text = force_str(value, strings_only=True)
    if isinstance(text, str) and text.startswith(FORMULA_STARTS):
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
