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

# Opportunities and referrals (alumni/views/opportunities.py). Current employees read the open opportunities so
# that they can refer someone to them; alumni and HR read closed ones too. Posting one is USE_COMMUNITY, following
# up referrals MANAGE_COMMUNITY.
VIEW_OPPORTUNITIES = register_capability(
    "alumni.view_opportunities",
    holders=(Role.EMPLOYEE, Role.MANAGER, Role.HR, ALUMNI),
    description="Read the community's opportunities (current employees: the open ones only).",
)
REFER_CANDIDATES = register_capability(
    "alumni.refer_candidates",
    holders=(Role.EMPLOYEE, Role.MANAGER, Role.HR, ALUMNI),
    description="Refer a candidate to an open opportunity and follow one's own referrals.",
)
EXPRESS_INTEREST = register_capability(
    "alumni.express_interest",
    holders=(ALUMNI,),
    description="Say one is interested in an opportunity of the alumni community, and withdraw it.",
)

# departures (alumni.services.departures): HR starts a departure for anyone, names who takes the leaver's reports,
# and reads every departure of the organization (only the answers of the exit conversation the person let HR quote).
MANAGE_DEPARTURES = register_capability(
    "alumni.manage_departures",
    holders=(Role.HR,),
    description="Start and follow every departure of the organization; name who takes the leaver's reports.",
)
