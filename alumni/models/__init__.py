"""The alumni app's models, one module per part (departures, the community, and what each part adds).

Each part's module is imported here so that Django sees one `alumni.models`; other code imports from here.
"""

from alumni.models.comebacks import Comeback  # noqa: F401, E402
from alumni.models.community import AlumniProfile, CommunitySettings  # noqa: F401
from alumni.models.departures import (  # noqa: F401
    ComebackInterest,
    Departure,
    DepartureKind,
    DepartureStatus,
)
from alumni.models.opportunities import (  # noqa: F401
    Interest,
    InterestStatus,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
)
from alumni.models.posts import Comment, DigestPreference, Post  # noqa: F401
from alumni.models.surveys import (  # noqa: F401
    InvitationStatus,
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
)
