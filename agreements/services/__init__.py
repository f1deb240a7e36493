"""State changes of STEP 1-3: every write goes through here, inside a transaction; e-mails and the PDF are
dispatched on commit, so nothing is sent for a change that rolled back.

One module per step, as the pages are split:

- `alignments`: STEP 1, 1on1 records, their confirmation and who may read them;
- `tours`: STEP 2, tours of duty;
- `versions`: STEP 3, a version's clauses and KPIs, amendments, discarding a draft;
- `signing`: STEP 3, request, withdraw, decline, sign, and completion;
- `common`: what they share (RequestInfo, the locked version, the signing record).

Reads live in agreements.selectors, the rules the writes obey in agreements.rules, the signed snapshot in
agreements.snapshot. This package re-exports every public write (and the data shapes their callers need), so
callers write `services.agreement_sign(...)` whichever module holds it. State rules raise
`alliance.conflicts.StateConflict`, which a TenantView answers with the 409 page.
"""

from agreements.services.alignments import (
    ALIGNMENT_FIELDS,
    alignment_confirm,
    alignment_create,
    alignment_dismiss_share_offer,
    alignment_share_earlier_with_manager,
    alignment_share_with,
    alignment_share_with_hr,
    alignment_unshare,
    alignment_update,
)
from agreements.services.common import RequestInfo
from agreements.services.signing import (
    agreement_decline,
    agreement_request_signatures,
    agreement_sign,
    agreement_withdraw,
)
from agreements.services.tours import TOUR_FIELDS, tour_create, tour_discard, tour_set_allow_concurrent, tour_update
from agreements.services.versions import (
    agreement_amend,
    agreement_pdf_read,
    agreement_template_update,
    agreement_update_draft,
    version_discard,
)

__all__ = [
    "agreement_pdf_read",
    "ALIGNMENT_FIELDS",
    "TOUR_FIELDS",
    "RequestInfo",
    "agreement_amend",
    "agreement_decline",
    "agreement_request_signatures",
    "agreement_sign",
    "agreement_template_update",
    "agreement_update_draft",
    "agreement_withdraw",
    "alignment_confirm",
    "alignment_create",
    "alignment_dismiss_share_offer",
    "alignment_share_earlier_with_manager",
    "alignment_share_with",
    "alignment_share_with_hr",
    "alignment_unshare",
    "alignment_update",
    "tour_create",
    "tour_discard",
    "tour_set_allow_concurrent",
    "tour_update",
    "version_discard",
]
