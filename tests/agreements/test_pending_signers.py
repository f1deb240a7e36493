"""Who still has to sign is one rule (selectors.outstanding_roles): the version page, the signature e-mails,
the reminder scan (batched) and the "waiting for you" list (batched) all answer the same, whatever has been
signed and whether HR countersigns."""

from itertools import combinations

import pytest

from agreements import selectors, services
from agreements.models import SignerRole, VersionStatus
from agreements.selectors import WaitKind
from tests.agreements.conftest import PASSWORD

ROLES = [SignerRole.EMPLOYEE, SignerRole.MANAGER, SignerRole.HR]
# (HR countersigns, the roles that signed): every partial state a version waiting for signatures can be in.
STATES = [(True, set(signed)) for n in range(3) for signed in combinations(ROLES, n)] + [
    (False, set(signed)) for n in range(2) for signed in combinations(ROLES[:2], n)
]


@pytest.fixture
def pending(draft_version, acme, employee, manager, hr):
    def make(requires_hr: bool, signed: set[str]):
        acme.hr_countersign = requires_hr
        acme.save(update_fields=["hr_countersign"])
        version = services.agreement_request_signatures(version=draft_version(), actor=manager)
        for role, member in ((SignerRole.EMPLOYEE, employee), (SignerRole.MANAGER, manager), (SignerRole.HR, hr)):
            if role in signed:
                services.agreement_sign(
                    version=version, actor=member, password=PASSWORD, content_hash=version.content_hash
                )
        version.refresh_from_db()
        assert version.status == VersionStatus.PENDING
        return version

    return make


@pytest.mark.parametrize(("requires_hr", "signed"), STATES, ids=lambda v: str(sorted(v)) if isinstance(v, set) else v)
def test_every_list_of_who_still_has_to_sign_answers_the_same(pending, employee, manager, hr, requires_hr, signed):
    version = pending(requires_hr, signed)
    required = ROLES if requires_hr else ROLES[:2]
    expected = [role for role in required if role not in signed]

    assert selectors.outstanding_roles(version, selectors.signed_roles([version])[version.pk]) == expected
    # The version page and e-mails: one entry per role, HR as "one of HR".
    assert [party["role"] for party in selectors.pending_parties(version)] == expected
    # The signature e-mails and reminders: the people, one version at a time and batched.
    members = {SignerRole.EMPLOYEE: employee.pk, SignerRole.MANAGER: manager.pk, SignerRole.HR: hr.pk}
    people = selectors.pending_signer_ids(version)
    assert {role for role, pk in members.items() if pk in people} == set(expected)
    assert selectors.pending_signer_ids_of([version]) == {version.pk: people}

    # "Waiting for you": a signature item about this version for each person whose role is outstanding.
    def waits(member, group, kind):
        items = getattr(selectors.waiting_for(membership=member), group)
        return any(i.kind == kind and i.url_args == (version.agreement_id, version.number) for i in items)

    assert waits(employee, "mine", WaitKind.SIGN) is (SignerRole.EMPLOYEE in expected)
    assert waits(manager, "mine", WaitKind.SIGN) is (SignerRole.MANAGER in expected)
    assert waits(hr, "hr", WaitKind.COUNTERSIGN) is (SignerRole.HR in expected)


def test_the_batched_variant_costs_two_queries_whatever_the_number_of_versions(
    pending, make_tour, draft_version, manager, django_assert_num_queries
):
    from agreements.models import AgreementVersion

    existing = set(AgreementVersion.objects.values_list("pk", flat=True))
    pending(True, set())
    for n in range(3):
        tour = make_tour(title=f"別の任務 {n}")
        services.agreement_request_signatures(version=draft_version(tour=tour), actor=manager)
    versions = list(
        AgreementVersion.objects.filter(status=VersionStatus.PENDING)
        .exclude(pk__in=existing)
        .select_related("agreement__tour")
    )
    assert len(versions) == 4
    with django_assert_num_queries(2):
        batched = selectors.pending_signer_ids_of(versions)
    assert batched == {v.pk: selectors.pending_signer_ids(v) for v in versions}
