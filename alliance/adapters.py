from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from alliance.security import client_ip


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # Failures are counted per account and per client (see _get_login_attempts_cache_key), so the message
        # can say plainly that waiting, or another way in, works.
        "too_many_login_attempts": _(
            "Too many failed sign-in attempts from this device. Wait 5 minutes and try again, or reset your "
            "password. Sign-ins from your other devices are not affected."
        ),
    }

    def save_user(self, request, user, form, commit=True):
        """Carry the browser's language into the new account's preference, so e-mails speak it too."""
        user = super().save_user(request, user, form, commit=False)
        language = getattr(request, "LANGUAGE_CODE", None)
        if language in {"ja", "en"}:
            user.language = language
        if commit:
            user.save()
        return user

    def get_client_ip(self, request) -> str:
        """The one client address of the site (alliance.security.client_ip), for allauth's rate limits."""
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine the client address")
        return ip

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """Count failed sign-ins per account *and* client (allauth's `login_failed` "key" rate).

        allauth counts them per account alone, so anyone knowing an e-mail address could lock its owner out by
        failing five times. Keyed by account and client address, a stranger only locks themselves out; the
        per-address rate of `login_failed` still bounds one client guessing across many accounts. A successful
        password reset clears the counter of the client that reset it (allauth calls this with the request).
        """
        return f"{super()._get_login_attempts_cache_key(request, **credentials)}:{self.get_client_ip(request)}"
