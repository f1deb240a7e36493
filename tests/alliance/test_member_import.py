"""Member import from CSV and Excel as Japanese HR systems write them, and the export in the same format."""

import csv
import io
import re
from datetime import date, datetime

import pytest
import tablib
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from alliance.member_import import COLUMNS, HEADERS_EN, HEADERS_JA, file_headers, parse_date
from alliance.models import AuditEntry, Department, Invitation, Membership

JA = list(HEADERS_JA)
EN = list(HEADERS_EN)


def csv_bytes(rows, *, header=JA, encoding="utf-8"):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, *, header=JA):
    dataset = tablib.Dataset(*[tuple(row) for row in rows], headers=header)
    return dataset.export("xlsx")


def upload(client, data, name="members.csv", slug="acme"):
    return client.post(reverse("member_import", args=[slug]), {"file": SimpleUploadedFile(name, data)})


def preview(client, slug="acme"):
    return client.get(reverse("member_import_preview", args=[slug]))


def confirm(client, response, slug="acme"):
    return client.post(reverse("member_import_preview", args=[slug]), {"fingerprint": response.context["fingerprint"]})


def plan_of(client, data, name="members.csv"):
    response = upload(client, data, name)
    assert response.status_code == 302, response.content.decode()[:2000]
    response = preview(client)
    assert response.status_code == 200
    return response


def new_person(n, **overrides):
    row = {
        "email": f"new{n:02d}@example.com",
        "name": f"新人 {n:02d}",
        "reading": "シンジン",
        "role": "社員",
        "manager": "manager@acme.example",
        "title": "エンジニア",
        "department": "開発部",
        "joined": "2024/4/1",
    }
    row.update(overrides)
    return list(row.values())


def pending(emails):
    return Invitation.objects.filter(email__in=emails).pending().count()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
@pytest.mark.parametrize("header", [JA, EN], ids=["japanese-header", "english-header"])
def test_a_file_in_each_encoding_and_header_language_is_read(hr, login, encoding, header):
    response = plan_of(login(hr), csv_bytes([new_person(1)], header=header, encoding=encoding))
    plan = response.context["plan"]
    assert plan.is_valid, plan.errors
    (row,) = plan.rows
    assert row.action == "invite" and row.line == 2
    assert row.values["name"] == "新人 01" and row.values["joined_on"] == date(2024, 4, 1)
    assert row.values["department"].name == "開発部"


@pytest.mark.parametrize(
    "header",
    [
        ["Eメール", "名前", "ふりがな", "ロール", "上司メール", "職位", "所属", "入社年月日"],
        ["email address", "full name", "furigana", "ROLE", "manager email", "title", "dept", "hire date"],
    ],
)
def test_other_usual_header_spellings_are_recognised(hr, login, header):
    plan = plan_of(login(hr), csv_bytes([new_person(1)], header=header)).context["plan"]
    assert plan.is_valid, plan.errors


def test_full_width_input_is_normalised(hr, login):
    row = new_person(
        1,
        email="ＺＥＮＫＡＫＵ＠ｅｘａｍｐｌｅ．ｃｏｍ",
        name="全角　太郎",
        reading="ｾﾞﾝｶｸ ﾀﾛｳ",
        role="ｍａｎａｇｅｒ",
        manager="ＭＡＮＡＧＥＲ＠ａｃｍｅ．ｅｘａｍｐｌｅ",
        joined="２０２４年４月１日",
    )
    plan = plan_of(login(hr), csv_bytes([row], encoding="cp932")).context["plan"]
    assert plan.is_valid, plan.errors
    values = plan.rows[0].values
    assert plan.rows[0].email == "zenkaku@example.com"
    assert values["name"] == "全角 太郎" and values["reading"] == "ゼンカク タロウ"
    assert values["role"] == "manager" and values["manager_email"] == "manager@acme.example"
    assert values["joined_on"] == date(2024, 4, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024/4/1", date(2024, 4, 1)),
        ("2024-04-01", date(2024, 4, 1)),
        ("2024.4.1", date(2024, 4, 1)),
        ("2024年4月1日", date(2024, 4, 1)),
        ("20240401", date(2024, 4, 1)),
        ("R6.4.1", date(2024, 4, 1)),
        ("令和6年4月1日", date(2024, 4, 1)),
        ("H31.4.30", date(2019, 4, 30)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("45383", date(2024, 4, 1)),
    ],
)
def test_dates_as_hr_files_write_them(text, expected):
    assert parse_date(text) == expected


def test_excel_date_cells_and_numbers_are_read(hr, login):
    rows = [new_person(1, joined=datetime(2024, 4, 1)), new_person(2, joined=date(2023, 10, 2))]
    plan = plan_of(login(hr), xlsx_bytes(rows), "members.xlsx").context["plan"]
    assert plan.is_valid, plan.errors
    assert [r.values["joined_on"] for r in plan.rows] == [date(2024, 4, 1), date(2023, 10, 2)]


ERROR_CASES = {
    "bad e-mail": ([new_person(1, email="not-an-address")], "E-mail", "is not an e-mail address"),
    "missing e-mail": ([new_person(1, email="")], "E-mail", "is missing"),
    "missing name": ([new_person(1, name="")], "Name", "name is missing"),
    "unknown role": ([new_person(1, role="社長")], "Role", "is not a role"),
    "unknown manager": ([new_person(1, manager="nobody@acme.example")], "Manager's e-mail", "No active member"),
    "manager not managing": (
        [new_person(1, manager="employee@acme.example")],
        "Manager's e-mail",
        "not a manager or HR",
    ),
    "own manager": ([new_person(1, manager="new01@example.com")], "Manager's e-mail", "own manager"),
    "manager invited by the file": (
        [new_person(1, role="上司"), new_person(2, manager="new01@example.com")],
        "Manager's e-mail",
        "once they have accepted",
    ),
    "duplicate e-mail": ([new_person(1), new_person(1)], "E-mail", "also on row 2"),
    "bad date": ([new_person(1, joined="4月頃")], "Joined", "is not a date"),
    "bad reading": ([new_person(1, reading="Shinjin")], "Reading", "katakana or hiragana"),
}


@pytest.mark.parametrize("case", ERROR_CASES, ids=list(ERROR_CASES))
def test_each_row_error_names_the_row_and_column_and_nothing_is_written(hr, login, case):
    rows, column, words = ERROR_CASES[case]
    client = login(hr, language="en")
    response = plan_of(client, csv_bytes(rows))
    errors = response.context["plan"].errors
    assert any(c == column and words in m for _line, c, m in errors), errors
    body = response.content.decode().replace("&#x27;", "'")
    assert f"Row {errors[0][0]}, {column}:" in body
    # The summary of what the file would do is not read as what is about to happen.
    assert "Nothing will be saved until every problem below is fixed" in body
    before = Invitation.objects.count(), Department.objects.count(), AuditEntry.objects.count()
    again = confirm(client, response)
    assert again.status_code == 200
    assert (Invitation.objects.count(), Department.objects.count(), AuditEntry.objects.count()) == before


def test_a_reporting_loop_between_existing_managers_is_refused(hr, login, manager, other_manager):
    rows = [
        [manager.user.email, "", "", "上司", other_manager.user.email, "", "", ""],
        [other_manager.user.email, "", "", "上司", manager.user.email, "", "", ""],
    ]
    errors = plan_of(login(hr, language="en"), csv_bytes(rows)).context["plan"].errors
    assert any("reporting loop" in message for _l, _c, message in errors)


def test_hr_cannot_change_their_own_role_by_import(hr, login):
    rows = [[hr.user.email, "", "", "社員", "", "", "", ""]]
    errors = plan_of(login(hr, language="en"), csv_bytes(rows)).context["plan"].errors
    assert any("your own role" in message for _l, _c, message in errors)


def ten_members(prefix, *, bad=False):
    rows = [new_person(n, email=f"{prefix}{n:02d}@example.com") for n in range(1, 11)]
    if bad:
        rows[3][0] = f"{prefix}04@@example"
        rows[7][7] = "2024/13/45"
    return rows


def test_done_when_a_shift_jis_file_with_two_bad_rows_writes_nothing_and_the_fixed_file_imports(
    acme, hr, login, django_capture_on_commit_callbacks
):
    client = login(hr, language="ja")
    emails = [f"sjis{n:02d}@example.com" for n in range(1, 11)]
    response = plan_of(client, csv_bytes(ten_members("sjis", bad=True), encoding="cp932"))
    plan = response.context["plan"]
    assert {line for line, _c, _m in plan.errors} == {5, 9}
    body = response.content.decode()
    assert "5行目" in body and "9行目" in body
    assert "何も保存されていません" in body
    confirm(client, response)
    assert pending(emails) == 0

    response = plan_of(client, csv_bytes(ten_members("sjis"), encoding="cp932"))
    assert response.context["plan"].is_valid
    assert response.context["counts"]["invite"] == 10
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = confirm(client, response)
    assert done.status_code == 302
    assert pending(emails) == 10
    invitation = Invitation.objects.get(email="sjis01@example.com")
    assert invitation.department.name == "開発部" and invitation.joined_on == date(2024, 4, 1)
    assert invitation.manager.user.email == "manager@acme.example" and invitation.name == "新人 01"
    assert len(mail.outbox) == 10
    entry = AuditEntry.objects.filter(organization=acme, action="member.import").latest("pk")
    assert entry.changes["invited"] == [None, 10]
    assert AuditEntry.objects.filter(action="invitation.create", object_label__contains="sjis").count() == 10


def test_done_when_the_same_from_excel(hr, login):
    client = login(hr)
    emails = [f"xlsx{n:02d}@example.com" for n in range(1, 11)]
    response = plan_of(client, xlsx_bytes(ten_members("xlsx", bad=True)), "members.xlsx")
    assert {line for line, _c, _m in response.context["plan"].errors} == {5, 9}
    confirm(client, response)
    assert pending(emails) == 0
    response = plan_of(client, xlsx_bytes(ten_members("xlsx")), "members.xlsx")
    assert confirm(client, response).status_code == 302
    assert pending(emails) == 10


@pytest.mark.parametrize(("fmt", "name"), [("csv", "export.csv"), ("xlsx", "export.xlsx")])
@pytest.mark.parametrize("language", ["ja", "en"])
def test_an_export_imports_back_as_no_change(hr, login, fmt, name, language):
    client = login(hr, language=language)
    exported = client.get(reverse("member_export", args=["acme"]), {"format": fmt})
    assert exported.status_code == 200
    body = exported.getvalue()
    if fmt == "csv":
        assert exported.streaming and body.startswith("\ufeff".encode())
    plan = plan_of(client, body, name).context["plan"]
    assert plan.is_valid, plan.errors
    assert {row.action for row in plan.rows} == {"unchanged"}, [r.changes for r in plan.rows if r.changes]
    assert len(plan.rows) >= Membership.objects.filter(organization__slug="acme", status="active").count()


def test_an_existing_member_is_changed_and_a_new_department_is_made(acme, hr, login, employee):
    client = login(hr, language="en")
    row = [employee.user.email, "", "", "社員", "manager@acme.example", "テックリード", "新規事業部", "2023/4/1"]
    response = plan_of(client, csv_bytes([row]))
    plan = response.context["plan"]
    assert plan.new_departments == ["新規事業部"]
    (planned,) = plan.rows
    assert planned.action == "update"
    changed = {column: (before, after) for column, before, after in planned.changes}
    assert changed["Job title"] == ("エンジニア", "テックリード")
    assert changed["Department"][1] == "新規事業部"
    assert "Manager&#x27;s e-mail" not in response.content.decode() or "manager@acme.example" in str(changed)
    assert confirm(client, response).status_code == 302
    employee.refresh_from_db()
    assert employee.job_title == "テックリード" and employee.department.name == "新規事業部"
    assert AuditEntry.objects.filter(action="membership.update", object_id=str(employee.pk)).exists()
    assert AuditEntry.objects.filter(action="department.create", object_label="新規事業部").exists()


def test_a_member_promoted_in_the_file_may_manage_others_in_it(hr, login, employee, alumni):
    rows = [
        [employee.user.email, "", "", "上司", "manager@acme.example", "", "", ""],
        ["report@example.com", "部下 一人", "", "社員", employee.user.email, "", "", ""],
    ]
    client = login(hr)
    response = plan_of(client, csv_bytes(rows, header=JA))
    assert response.context["plan"].is_valid, response.context["plan"].errors
    assert confirm(client, response).status_code == 302
    employee.refresh_from_db()
    assert employee.role == "manager"
    assert Invitation.objects.get(email="report@example.com").manager == employee


def test_a_preview_confirmed_after_members_changed_is_shown_again(hr, login, employee):
    client = login(hr)
    row = [employee.user.email, "", "", "", "", "別の肩書", "", ""]
    response = plan_of(client, csv_bytes([row]))
    again = client.post(reverse("member_import_preview", args=["acme"]), {"fingerprint": "tampered"})
    assert again.status_code == 200
    employee.refresh_from_db()
    assert employee.job_title != "別の肩書"
    assert confirm(client, response).status_code == 302


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"x" * (2 * 1024 * 1024 + 1), "larger than 2 MB"),
        (csv_bytes([new_person(n % 100, email=f"many{n}@example.com") for n in range(5001)]), "up to 5000"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "could not be read"),
        ("氏名,役職\r\n山田,課長\r\n".encode(), "e-mail address"),
        (csv_bytes([]), "no member rows"),
    ],
    ids=["too-big", "too-many-rows", "not-a-table", "no-email-column", "header-only"],
)
def test_a_file_that_cannot_be_imported_is_refused_with_the_reason(hr, login, data, words):
    response = upload(login(hr, language="en"), data)
    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors["file"])


def test_the_preview_of_a_thousand_rows_reads_a_bounded_number_of_queries(hr, login, django_assert_max_num_queries):
    rows = [new_person(n % 100, email=f"bulk{n:04d}@example.com") for n in range(1000)]
    client = login(hr)
    assert upload(client, csv_bytes(rows)).status_code == 302
    with django_assert_max_num_queries(20):
        response = preview(client)
    assert response.context["counts"]["invite"] == 1000
    assert len(response.context["page"].object_list) == 100


@pytest.mark.parametrize("who", ["manager", "employee"])
@pytest.mark.parametrize("name", ["member_import", "member_import_preview", "member_export"])
def test_other_roles_get_403(db, request, login, who, name):
    response = login(request.getfixturevalue(who)).get(reverse(name, args=["acme"]))
    assert response.status_code == 403


@pytest.mark.parametrize("name", ["member_import", "member_import_preview", "member_export"])
def test_globex_hr_cannot_reach_acme_imports(db, login, name):
    globex_hr = Membership.objects.get(user__email="hr@globex.example")
    assert login(globex_hr).get(reverse(name, args=["acme"])).status_code == 404


def test_a_preview_stored_for_one_organization_is_not_used_in_another(hr, login, globex):
    client = login(hr)
    upload(client, csv_bytes([new_person(1)]))
    # The session holds acme's import; hr of acme is no member of globex, so globex is 404 anyway, and the
    # stored rows name their organization so that another one never reads them.
    assert client.get(reverse("member_import_preview", args=["globex"])).status_code == 404
    assert client.session["member_import"]["organization"] == hr.organization_id


def test_a_blank_line_keeps_the_row_numbers_of_the_file(hr, login):
    data = csv_bytes([new_person(1)]) + b"\r\n" + csv_bytes([new_person(2, email="bad")])[len(csv_bytes([])) :]
    errors = plan_of(login(hr), data).context["plan"].errors
    assert {line for line, _c, _m in errors} == {4}


def test_an_imported_invitation_gives_its_department_date_and_name_on_acceptance(acme, hr, login):
    from alliance import services
    from tests.factories import UserFactory

    client = login(hr)
    response = plan_of(client, csv_bytes([new_person(1, email="accepts@example.com", joined="2025/4/1")]))
    assert confirm(client, response).status_code == 302
    invitation = Invitation.objects.get(email="accepts@example.com")
    _invitation, token = services.invitation_create(
        organization=acme,
        invited_by=hr.user,
        email=invitation.email,
        role=invitation.role,
        manager=invitation.manager,
        department=invitation.department,
        name=invitation.name,
        joined_on=invitation.joined_on,
    )
    user = UserFactory(email="accepts@example.com", name="")
    membership = services.invitation_accept(token=token, user=user)
    assert membership.department.name == "開発部" and membership.joined_on == date(2025, 4, 1)
    user.refresh_from_db()
    assert user.name == "新人 01"


# --- one source of column names: the file's headers, wherever a column is named -----------------------------

# column: a row whose only error is in that column (the archived department made by the test)
COLUMN_ERRORS = {
    "email": lambda: new_person(1, email="not-an-address"),
    "name": lambda: new_person(1, name=""),
    "reading": lambda: new_person(1, reading="Shinjin"),
    "role": lambda: new_person(1, role="社長"),
    "manager_email": lambda: new_person(1, manager="nobody@acme.example"),
    "job_title": lambda: new_person(1, title="長" * 201),
    "department": lambda: new_person(1, department="閉鎖部"),
    "joined_on": lambda: new_person(1, joined="4月頃"),
}


def _shown_labels(html: str) -> set[str]:
    """Every column label the preview shows: "<strong>label</strong>:" before a row's error, "Row n, label:" /
    "n行目「label」：" in the error summary, and a change's "label: before → after"."""
    html = html.replace("&#x27;", "'")
    labels = set(re.findall(r"<strong>([^<]+)</strong>:", html))
    labels |= set(re.findall(r"Row \d+, ([^:<]+):", html))
    labels |= set(re.findall(r"\d+行目「([^」<]+)」：", html))
    labels |= set(re.findall(r'<ul class="change-list">(?:<li>([^:<]+):)', html))
    return labels


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("column", COLUMNS)
def test_an_error_names_its_column_by_the_files_header(acme, hr, login, column, language):
    from alliance.member_import import HEADER_MAP, _header_key, column_header

    Department.objects.create(organization=acme, name="閉鎖部", archived_at=timezone.now())
    header = list(file_headers(language))
    response = plan_of(login(hr, language=language), csv_bytes([COLUMN_ERRORS[column]()], header=header))
    errors = response.context["plan"].errors
    assert [(c, HEADER_MAP[_header_key(c)]) for _line, c, _m in errors] == [(column_header(column, language), column)]
    shown = _shown_labels(response.content.decode())
    assert column_header(column, language) in shown
    assert shown <= set(header), shown - set(header)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_change_in_the_preview_names_a_header_of_the_file(acme, hr, login, employee, other_manager, language):
    header = list(file_headers(language))
    row = [employee.user.email, "", "", "上司", other_manager.user.email, "新しい役職", "新規事業部", "2020/1/1"]
    response = plan_of(login(hr, language=language), csv_bytes([row, new_person(1)], header=header))
    plan = response.context["plan"]
    labels = {str(label) for planned in plan.rows for label, _before, _after in planned.changes}
    assert labels and labels <= set(header), labels - set(header)
    assert {str(column) for column in labels} >= {h for h, c in zip(header, COLUMNS, strict=True) if c != "email"} - {
        file_headers(language)[1],  # a member's name and reading are theirs to change: never a change here
        file_headers(language)[2],
    }
    html = response.content.decode().replace("&#x27;", "'")
    assert f'<th scope="col">{header[0]}</th>' in html
    for label in labels:
        assert f"<li>{label}: " in html


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_import_page_and_the_export_name_the_columns_as_the_parser_reads_them(hr, login, language):
    from alliance.member_import import HEADER_MAP, HEADERS, _header_key

    client = login(hr, language=language)
    page = client.get(reverse("member_import", args=["acme"])).content.decode().replace("&#x27;", "'")
    for ja, en in HEADERS.values():
        assert f'<td lang="ja">{ja}</td>' in page and f'<td lang="en">{en}</td>' in page
    for column in ("role", "manager_email", "department", "joined_on"):
        name = file_headers(language)[COLUMNS.index(column)]
        assert f"<li>{name}: " in page or f"<li>{name}：" in page, name
    exported = client.get(reverse("member_export", args=["acme"])).getvalue().decode("utf-8-sig")
    assert exported.splitlines()[0].split(",") == [f'"{h}"' if "," in h else h for h in file_headers(language)]
    assert [HEADER_MAP[_header_key(h)] for h in file_headers(language)] == list(COLUMNS)
