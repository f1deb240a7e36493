"""Signals the core sends so that feature apps can react without the core importing them."""

from django.dispatch import Signal

# Sent inside the transaction that turns an active membership into an alumnus (alliance.services.membership_update),
# with `membership` (the leaver, already saved). Receivers end what belonged to the person's time in the
# organization: agreements.receivers withdraws the read grants others gave them on career alignments.
member_left = Signal()

# Sent inside the transaction of alliance.services.organization_update when HR changes the organization's
# `checkpoint_interval_months`, with `organization` (saved), `before` and `after` (months). checkpoints.receivers
# moves the unheld future checkpoints of every active tour to the new rhythm; receivers must be idempotent.
checkpoint_interval_changed = Signal()

# Sent inside the transaction of an accepted invitation that makes an alumnus active again (a comeback hire), with
# `membership` (saved, active), `left_on` (the last day of their earlier time, or None if unknown) and `returned_on`
# (the local date they came back). The alumni app keeps the alumni years on the person's timeline.
member_returned = Signal()
