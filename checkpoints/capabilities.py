"""The capabilities the checkpoints app adds to the core role map (alliance.permissions).

Reading a checkpoint follows its tour (agreements.access: the employee, their manager, and whoever holds
`agreements.read_all_records`); writing one also needs to be a party of the tour, decided in checkpoints.access.
"""

from alliance.models import Role
from alliance.permissions import register_capability

HOLD_CHECKPOINTS = register_capability(
    "checkpoints.hold",
    holders=(Role.EMPLOYEE, Role.MANAGER, Role.HR),
    description="Record and confirm the checkpoint 1on1s of a tour one is a party of (its employee or manager).",
)

CLOSE_TOURS = register_capability(
    "checkpoints.close_tours",
    holders=(Role.EMPLOYEE, Role.MANAGER, Role.HR),
    description=(
        "Propose, confirm, decline or withdraw the end of a tour one is a party of (its employee or manager), "
        "record what followed it, and start the next one."
    ),
)
END_TOURS = register_capability(
    "checkpoints.end_tours",
    holders=(Role.HR,),
    description="End a tour early directly when the person leaves, and record what followed any ended tour.",
)
CANCEL_ANY_CHECKPOINT = register_capability(
    "checkpoints.cancel_any",
    holders=(Role.HR,),
    description="Cancel any scheduled checkpoint of the organization (a tour's manager cancels their reports').",
)

VIEW_OVERDUE_CHECKPOINTS = register_capability(
    "checkpoints.view_overdue",
    holders=(Role.HR,),
    description="List the organization's overdue, unheld checkpoints by manager.",
)
