from django.urls import path

from results.officials import printing

app_name = "officials"
urlpatterns = [
    path("<slug:slug>/print/", printing.print_page, name="print"),
    path("<slug:slug>/print/jobs/", printing.print_jobs, name="print-jobs"),
    path("<slug:slug>/print/<int:job_id>/download/", printing.print_download, name="print-download"),
]
