"""Pages of a long list on a phone: the officials' tables are paginated the same way."""

from django.core.paginator import EmptyPage, PageNotAnInteger


def paginate_table(table, request, per_page: int) -> None:
    """`?page=` from the URL, the first page for anything odd; the page size is ours.

    Not RequestConfig: it takes ?per_page= from the URL too, and per_page=0 divides by zero.
    """
    try:
        table.paginate(page=request.GET.get("page", 1), per_page=per_page)
    except (PageNotAnInteger, EmptyPage):
        table.paginate(page=1, per_page=per_page)
