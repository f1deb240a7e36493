"""Signals the agreements app sends, so that apps after it (checkpoints) react without agreements importing them."""

from django.dispatch import Signal

# Sent once the transaction that completed an agreement version's signatures has committed (signing service
# `_complete`), with `version` (the AgreementVersion, now SIGNED). A first version makes its tour active, an
# amendment puts new terms in force. Receivers must be idempotent: the signal says "this version is signed",
# and a receiver that runs twice for one version must change nothing the second time.
version_signed = Signal()
