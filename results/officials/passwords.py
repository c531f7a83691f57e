"""An official's own password: changed when signed in, reset by e-mail when forgotten.

Django's own views, in the officials' pages' look and under /officials/. A reset link reaches
only the address the organiser entered for the user; the page after asking for one reads the
same whether or not the address is known, so it tells a stranger nothing.
"""

from axes.utils import reset as axes_reset
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy


class PasswordChange(auth_views.PasswordChangeView):
    template_name = "officials/password/change.html"
    success_url = reverse_lazy("officials:password_change_done")


class PasswordChangeDone(auth_views.PasswordChangeDoneView):
    template_name = "officials/password/change_done.html"


class PasswordReset(auth_views.PasswordResetView):
    template_name = "officials/password/reset.html"
    email_template_name = "officials/password/reset_email.txt"
    subject_template_name = "officials/password/reset_subject.txt"
    success_url = reverse_lazy("officials:password_reset_done")


class PasswordResetDone(auth_views.PasswordResetDoneView):
    template_name = "officials/password/reset_done.html"


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "officials/password/reset_confirm.html"
    success_url = reverse_lazy("officials:password_reset_complete")

    def form_valid(self, form):
        # The new password opens the door at once: a lockout earned with the forgotten one ends.
        axes_reset(username=form.user.get_username())
        return super().form_valid(form)


class PasswordResetComplete(auth_views.PasswordResetCompleteView):
    template_name = "officials/password/reset_complete.html"
