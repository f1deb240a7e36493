"""Builders for the alumni community's tests: alumni of the demo organization without a profile yet, and
profiles with chosen consents."""

import itertools

import pytest

from alliance.models import MembershipStatus
from alumni.models import AlumniProfile
from tests.factories import MembershipFactory, UserFactory

_numbers = itertools.count(1)


@pytest.fixture
def make_alumnus(acme):
    """An alumnus of acme (or `organization`) with no community profile: `make_alumnus(name=..., reading=...)`."""

    def make(*, organization=None, name=None, reading="", left_on=None, manager=None):
        number = next(_numbers)
        user = UserFactory(email=f"alum{number}@test.example", name=name or f"Alum {number}", reading=reading)
        return MembershipFactory(
            organization=organization or acme,
            user=user,
            status=MembershipStatus.ALUMNI,
            left_on=left_on,
            manager=manager,
        )

    return make


@pytest.fixture
def make_profile(make_alumnus):
    """A community profile of a new alumnus: `make_profile(name=..., reading=..., **profile_fields)`."""

    def make(*, name=None, reading="", organization=None, left_on=None, manager=None, **fields):
        member = make_alumnus(organization=organization, name=name, reading=reading, left_on=left_on, manager=manager)
        return AlumniProfile.objects.create(organization=member.organization, membership=member, **fields)

    return make
