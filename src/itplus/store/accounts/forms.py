"""The login forms of the store: the till's and back office's page and the admin's.

Both check the password through ``accounts.security.login_authenticate``, so every
login is throttled and recorded the same way; a lock shows its Spanish message.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from itplus.store.accounts.security import LoginLocked, login_authenticate


class ThrottledLoginMixin:
    """Put before an ``AuthenticationForm``: its ``clean`` with the throttled check."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = login_authenticate(
                    request=self.request, username=username, password=password
                )
            except LoginLocked as locked:
                raise forms.ValidationError(locked.message, code="locked") from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Usuario o clave incorrectos. Revise mayúsculas y vuelva a intentar."),
    }


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass
