from alliance.permissions import capabilities_of


def tenancy(request):
    """The request's organization, membership, their capabilities and the user's organizations (the switcher).

    `capabilities` is the set of capability names the current member holds (alliance.permissions): templates
    ask `{% if "view_reports" in capabilities %}`, never the member's role."""
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    context = {
        "current_organization": getattr(request, "organization", None),
        "current_membership": membership,
        "capabilities": capabilities_of(membership),
        "unread_notices": lambda: unread_notices(request),
    }
    if user is not None and user.is_authenticated:
        from alliance.selectors import memberships_of_user

        context["my_memberships"] = memberships_of_user(user=user)
    return context


def unread_notices(request) -> int:
    """The header's unread count: one query, only when a page shows it, at most once per request."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return 0
    if not hasattr(request, "_unread_notices"):
        from alliance.notices import unread_count

        request._unread_notices = unread_count(membership=membership)
    return request._unread_notices
