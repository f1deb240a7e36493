from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        """Carry the browser's language into the new account's preference, so e-mails speak it too."""
        user = super().save_user(request, user, form, commit=False)
        language = getattr(request, "LANGUAGE_CODE", None)
        if language in {"ja", "en"}:
            user.language = language
        if commit:
            user.save()
        return user
