"""The capabilities the alumni app adds to the core role map (alliance.permissions), declared with their grant.

Each part of the app may add its own here. Whether a current employee may open the directory depends on the
organization's CommunitySettings too, so that decision is `alumni.access.may_see_directory`, not a capability.
"""

from alliance.models import Role
from alliance.permissions import ALUMNI, register_capability

USE_COMMUNITY = register_capability(
    "alumni.use_community",
    holders=(ALUMNI, Role.HR),
    description="Take part in the alumni community: the feed, the directory, opportunities, one's profile.",
)
MANAGE_COMMUNITY = register_capability(
    "alumni.manage_community",
    holders=(Role.HR,),
    description="Run the alumni community: settings, pinning and moderating posts, surveys, referrals, records.",
)
KEEP_ALUMNI_PROFILE = register_capability(
    "alumni.keep_profile",
    holders=(ALUMNI,),
    description="Join the alumni community, keep one's own profile there with per-field consent, or leave it.",
)
