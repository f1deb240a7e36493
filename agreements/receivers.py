"""What STEP 1-3 does when the core says something happened to a membership (alliance.signals)."""

from agreements.models import CareerAlignmentUserPermission
from alliance.audit import audit_log


def withdraw_alignment_grants_of_leaver(sender, *, membership, **kwargs) -> int:
    """A colleague who leaves loses the read grants employees gave them on their career alignments, so that a
    comeback (the same membership made active again) does not reopen what was shared with the person they
    were then. The employees' own records are untouched; each may share again. Returns how many were withdrawn.
    """
    grants = CareerAlignmentUserPermission.objects.filter(
        user_id=membership.user_id, content_object__organization_id=membership.organization_id
    )
    count = grants.count()
    if count:
        grants.delete()
        audit_log(
            "alignment.grants_end_on_leaving",
            obj=membership,
            subject=membership,
            changes={"read_grants": [count, 0]},
        )
    return count
