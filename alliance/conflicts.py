"""State rules: the error every app raises when a record's state, not the member's role, refuses an action.

Views never handle it one by one: `alliance.tenancy.TenantView` answers it with the 409 page
(`templates/conflict.html`) that names the state and the next step.
"""

from django.core.exceptions import ValidationError


class StateConflict(ValidationError):
    """A state rule, not a role, refuses the action (the record is confirmed, active, signed, discarded...).

    `message` says which state blocks it; `next_step` says what to do instead, and `next_url_name` with
    `next_url_args` (URL name and arguments after the organization slug) link to it, labelled `next_label`.
    A ValidationError subclass, so a form handler that catches ValidationError still shows the message (which
    then says both what blocks and what to do)."""

    def __init__(self, message, *, next_step: str = "", next_url_name: str = "", next_url_args=(), next_label=""):
        super().__init__(f"{message} {next_step}".strip())
        self.state_message = message
        self.next_step = next_step
        self.next_url_name = next_url_name
        self.next_url_args = tuple(next_url_args)
        self.next_label = next_label
