"""Pages of a long table on a phone: `?page=` read the same way on public and officials' pages.

Not django-tables2's RequestConfig: it takes `?per_page=` from the URL too, and per_page=0
divides by zero. The page size is the view's to set.
"""

import unicodedata

# Nine digits is a page no table here reaches; a longer number is not worth converting.
LONGEST_PAGE_NUMBER = 9


def page_number(text: str) -> int:
    """The page asked for, or 1 for anything that is not a whole number of at most nine digits.

    A Japanese phone's keyboard types full-width digits: "２" is page 2, as the reader meant (and
    so is any script's digit two).
    """
    text = unicodedata.normalize("NFKC", text).strip()
    if text.isdecimal() and len(text) <= LONGEST_PAGE_NUMBER:
        return int(text)
    return 1


def paginate_table(table, request, per_page: int) -> None:
    """The page `?page=` asks for; the first page for a number past the end or anything odd."""
    number = page_number(request.GET.get("page", ""))
    table.paginate(page=1, per_page=per_page)
    if 1 < number <= table.paginator.num_pages:
        table.page = table.paginator.page(number)
