"""The capabilities the agreements app adds to the core role map (alliance.permissions), declared with their grant.

Imported by `agreements.access` (so every helper that decides with them sees them registered) and by
`AgreementsConfig.ready()`. Views, services, selectors and templates ask `membership_has(member, NAME)` or, in a
template, `"agreements.name" in capabilities`; none compares a role.
"""

from alliance.models import Role
from alliance.permissions import register_capability

READ_ALL_RECORDS = register_capability(
    "agreements.read_all_records",
    holders=(Role.HR,),
    description="Read every member's tours of duty and agreements, and open every member's alliance page.",
)
READ_ALIGNMENTS_SHARED_WITH_HR = register_capability(
    "agreements.read_alignments_shared_with_hr",
    holders=(Role.HR,),
    description="Read the career alignments whose employee chose to share them with HR (never the others).",
)
COUNTERSIGN = register_capability(
    "agreements.countersign",
    holders=(Role.HR,),
    description="Sign an agreement as HR when the organization asks HR to countersign.",
)
EDIT_AGREEMENT_TEMPLATE = register_capability(
    "agreements.edit_template",
    holders=(Role.HR,),
    description="Edit the default clauses every new agreement starts from.",
)
ALLOW_CONCURRENT_TOURS = register_capability(
    "agreements.allow_concurrent_tours",
    holders=(Role.HR,),
    description="Allow a tour of duty to run beside another active one of the same person.",
)
