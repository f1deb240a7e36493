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
