"""Signals the core sends so that feature apps can react without the core importing them."""

from django.dispatch import Signal

# Sent inside the transaction that turns an active membership into an alumnus (alliance.services.membership_update),
# with `membership` (the leaver, already saved). Receivers end what belonged to the person's time in the
# organization: agreements.receivers withdraws the read grants others gave them on career alignments.
member_left = Signal()
