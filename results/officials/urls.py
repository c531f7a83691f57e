from django.contrib.auth import views as auth_views
from django.urls import path

from results.officials import (
    announcer,
    anomalies,
    audit,
    corrections,
    keypad,
    passwords,
    printing,
    protests,
    race_clock,
    race_control,
    race_officials,
    results_state,
    runner_changes,
    upload,
    views,
)

app_name = "officials"
urlpatterns = [
    path("", views.index, name="index"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="officials/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="officials:login"), name="logout"),
    # One's own password: changed when signed in, reset by an e-mailed link when forgotten.
    path("password/", passwords.PasswordChange.as_view(), name="password_change"),
    path("password/changed/", passwords.PasswordChangeDone.as_view(), name="password_change_done"),
    path("password/reset/", passwords.PasswordReset.as_view(), name="password_reset"),
    path("password/reset/sent/", passwords.PasswordResetDone.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        passwords.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", passwords.PasswordResetComplete.as_view(), name="password_reset_complete"),
    # The station keypad and what it reads and asks for; its service worker.
    path("sw.js", keypad.service_worker, name="service-worker"),
    path("<slug:slug>/clock", keypad.clock, name="clock"),
    path("<slug:slug>/stations/<str:code>/", keypad.keypad, name="keypad"),
    path("<slug:slug>/stations/<str:code>/roster", keypad.roster, name="roster"),
    path("<slug:slug>/stations/<str:code>/void", keypad.void, name="void"),
    path("<slug:slug>/stations/<str:code>/next-in", keypad.next_in, name="next_in"),
    # Race control and the finish announcer: the organisers and the results desk.
    path("<slug:slug>/control/", race_control.race_control, name="control"),
    path("<slug:slug>/announcer/", announcer.announcer, name="announcer"),
    # The results desk: chip files, corrections per team, anomalies, the audit trail.
    path("<slug:slug>/upload/", upload.upload, name="upload"),
    path("<slug:slug>/upload/confirm/", upload.confirm, name="upload_confirm"),
    path("<slug:slug>/teams/", corrections.team_list, name="teams"),
    path("<slug:slug>/teams/<str:bib>/", corrections.team_splits, name="team"),
    path("<slug:slug>/teams/<str:bib>/splits/", corrections.add_split, name="add_split"),
    # The organisers: a substitute on a leg, or two legs swapped.
    path("<slug:slug>/teams/<str:bib>/runners/", runner_changes.team_runners, name="team_runners"),
    path("<slug:slug>/teams/<str:bib>/splits/<int:pk>/void/", corrections.void_split, name="void_split"),
    path(
        "<slug:slug>/teams/<str:bib>/splits/<int:pk>/restore/",
        corrections.restore_split,
        name="restore_split",
    ),
    path("<slug:slug>/anomalies/", anomalies.anomaly_list, name="anomalies"),
    path(
        "<slug:slug>/anomalies/dealt-with/",
        anomalies.resolved_unmatched_reads,
        name="resolved_unmatched_reads",
    ),
    path(
        "<slug:slug>/anomalies/unknown-bibs/<int:pk>/dealt-with/",
        anomalies.resolve_unmatched_read,
        name="resolve_unmatched_read",
    ),
    path(
        "<slug:slug>/anomalies/unknown-bibs/<int:pk>/reopen/",
        anomalies.reopen_unmatched_read,
        name="reopen_unmatched_read",
    ),
    path("<slug:slug>/audit/", audit.audit_trail, name="audit"),
    # Who works the race: its organisers name the officials.
    path("<slug:slug>/officials/", race_officials.race_officials, name="race_officials"),
    path("<slug:slug>/officials/remove/", race_officials.remove_official, name="remove_official"),
    # The race clock: start the race now, or correct the gun (organisers).
    path("<slug:slug>/gun/", race_clock.gun, name="gun"),
    # The results state (provisional, official, reopen) and the protests: the organisers decide.
    path("<slug:slug>/results/", results_state.results_state, name="results"),
    path("<slug:slug>/protests/", protests.protests, name="protests"),
    # Printing: the results book and the certificates.
    path("<slug:slug>/print/", printing.print_page, name="print"),
    path("<slug:slug>/print/<int:job_id>/download/", printing.print_download, name="print_download"),
    path("<slug:slug>/print/station-sheets/", printing.station_sheets_download, name="station_sheets"),
]
