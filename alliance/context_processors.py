from alliance.permissions import capabilities_of


def tenancy(request):
    """The request's organization, membership, their capabilities and the user's organizations (the switcher)."""
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    context = {
        "current_organization": getattr(request, "organization", None),
        "current_membership": membership,
        "capabilities": capabilities_of(membership),
    }
    if user is not None and user.is_authenticated:
        from alliance.selectors import memberships_of_user

        context["my_memberships"] = memberships_of_user(user=user)
    return context
