"""Member import and export: files as Japanese HR systems write them (CSV in UTF-8 or Shift_JIS, Excel .xlsx).

Three steps, each a function:
- `read_member_file(name, data)` reads the file with tablib into plain rows (`ParsedFile`): the header row in
  Japanese or English is mapped to our columns (`COLUMNS`), every cell becomes text (Excel dates as ISO dates).
  The parsed rows are what the preview keeps in the session; the uploaded bytes are not kept.
- `plan_import(organization=, actor=, parsed=)` compares the rows with the organization as it is now and says,
  row by row, what would happen (invite, change which fields, nothing) or what to fix. It reads a fixed number of
  queries whatever the file's length. It never writes.
- `member_import_apply(...)` (the write) plans again from the same rows and, only if no row has an error, applies
  the plan in one transaction through the core services (`invitation_create`, `membership_update`,
  `department_create`), which write their own audit rows, and adds one `member.import` row with the counts.

`export_members(organization=, file_format=)` writes the same columns, so an export imports back as "no change".

New people are invited, as the invite form does (an e-mail with a one-time link; the membership is made when they
accept). A manager must therefore be an active member already: a person invited by the same file is refused as
a manager with a message saying so. Department names not yet in the organization's list are created by the
import (the preview marks them "new department"): HR systems carry the department of every person, and refusing
them would make HR type the list by hand before every first import.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import tablib
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext as _

from alliance.audit import audit_log
from alliance.models import Department, Invitation, Membership, MembershipStatus, Organization, Role
from alliance.permissions import VIEW_REPORTS, roles_with
from alliance.text import normalize_reading, spreadsheet_safe, spreadsheet_unsafe

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# The most an .xlsx file's parts may hold once unzipped: a 2 MB file of 5,000 members unzips to a few MB, while a
# crafted one (a "zip bomb", a huge shared-strings part) could unzip to gigabytes and stall the server reading it.
MAX_XLSX_UNZIPPED_BYTES = 12 * 1024 * 1024

# Our columns in file order, each with its header in Japanese and in English: the one source of the column names
# that the export writes, the parser accepts, the import page lists, and the preview and its errors show (in the
# language in use, `column_header`), so that what HR reads is what their file says.
HEADERS = {
    "email": ("メールアドレス", "E-mail"),
    "name": ("氏名", "Name"),
    "reading": ("フリガナ", "Reading"),
    "role": ("ロール", "Role"),
    "manager_email": ("上司のメールアドレス", "Manager's e-mail"),
    "job_title": ("役職", "Job title"),
    "department": ("部署", "Department"),
    "joined_on": ("入社日", "Joined"),
}
COLUMNS = tuple(HEADERS)
HEADERS_JA = tuple(ja for ja, _en in HEADERS.values())
HEADERS_EN = tuple(en for _ja, en in HEADERS.values())


def _japanese(language: str | None = None) -> bool:
    return (language or translation.get_language() or "ja").startswith("ja")


def column_header(column: str, language: str | None = None) -> str:
    """The header of `column` (one of COLUMNS) as the file of `language` (default: the active one) names it:
    Japanese for "ja", English otherwise. Raises KeyError for an unknown column."""
    ja, en = HEADERS[column]
    return ja if _japanese(language) else en


def column_headers(language: str | None = None) -> dict[str, str]:
    """`{column: header}` for every column in `language` (default: the active one): what pages name them by."""
    return {column: column_header(column, language) for column in COLUMNS}


def file_headers(language: str | None = None) -> tuple[str, ...]:
    """Every column's header in file order, in `language` (default: the active one)."""
    return HEADERS_JA if _japanese(language) else HEADERS_EN


# The label of each column wherever a page or message names it: its header, in the language of the moment it is
# shown (lazy, as a translation is).
COLUMN_LABELS = {column: lazy(column_header, str)(column) for column in COLUMNS}

# Header spellings seen in HR systems' exports, in their normalised form (`_header_key`).
_ALIASES = {
    "email": ["メールアドレス", "メール", "eメール", "eメールアドレス", "電子メール", "email", "emailaddress", "mail"],
    "name": ["氏名", "名前", "社員名", "従業員名", "name", "fullname"],
    "reading": ["フリガナ", "ふりがな", "カナ", "氏名カナ", "氏名フリガナ", "よみがな", "reading", "furigana", "kana"],
    "role": ["役割", "ロール", "権限", "role"],
    "manager_email": [
        "上司のメールアドレス",
        "上司メールアドレス",
        "上司のメール",
        "上司メール",
        "上司",
        "manager'semail",
        "managersemail",
        "manageremail",
        "manageremailaddress",
        "manager",
    ],
    "job_title": ["役職", "職位", "肩書", "肩書き", "jobtitle", "title"],
    "department": ["部署", "部署名", "所属", "所属部署", "department", "dept"],
    "joined_on": ["入社日", "入社年月日", "joined", "joinedon", "joineddate", "joindate", "hiredate", "startdate"],
}
_HEADER_NOISE = re.compile(r"[\s_\-・()（）:：*＊]+")


def _header_key(text) -> str:
    return _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", str(text or "")).casefold())


HEADER_MAP = {
    _header_key(alias): column
    for column, aliases in _ALIASES.items()
    for alias in (*HEADERS[column], *aliases)  # our own headers are always accepted
}

_ROLE_WORDS = {
    Role.EMPLOYEE: ["社員", "一般", "従業員", "メンバー", "employee", "member", "staff"],
    Role.MANAGER: ["上司", "マネージャー", "マネジャー", "管理職", "manager"],
    Role.HR: ["人事", "人事担当", "hr", "humanresources"],
}
ROLE_MAP = {_header_key(word): role for role, words in _ROLE_WORDS.items() for word in words}
ROLE_EXPORT_JA = {Role.EMPLOYEE: "社員", Role.MANAGER: "上司", Role.HR: "人事"}

# Japanese eras for dates written like R6.4.1 or 令和6年4月1日: the Gregorian year before each era's first year.
_ERAS = {"r": 2018, "令和": 2018, "h": 1988, "平成": 1988, "s": 1925, "昭和": 1925}
_DATE_YMD = re.compile(r"^(\d{4})[/\-.年](\d{1,2})[/\-.月](\d{1,2})日?$")
_DATE_ERA = re.compile(r"^(r|h|s|令和|平成|昭和)(\d{1,2}|元)[/\-.年](\d{1,2})[/\-.月](\d{1,2})日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, size, header); the message says what to do."""


@dataclass
class ParsedFile:
    """A member file read into text: `rows` are `[line, {column: text}]` (line as numbered in the file, the
    header being line 1), `columns` the columns the header had, `ignored` headers we do not know."""

    filename: str
    columns: list[str]
    rows: list[list]
    ignored: list[str] = field(default_factory=list)

    def to_session(self) -> dict:
        return {"filename": self.filename, "columns": self.columns, "rows": self.rows, "ignored": self.ignored}

    @classmethod
    def from_session(cls, data: dict) -> ParsedFile:
        return cls(data["filename"], data["columns"], data["rows"], data.get("ignored", []))


def _cell_text(value) -> str:
    """A cell as text: Excel dates as ISO dates, whole numbers without `.0`, everything trimmed."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # An export guards a cell starting like a formula with an apostrophe (export_members): read it back as typed.
    return spreadsheet_unsafe(str(value).strip())


def _decode(data: bytes) -> str:
    """Text of a CSV file: UTF-8 (a BOM is dropped) or else Shift_JIS as Windows writes it (CP932)."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(
        _("The file's characters could not be read. Save it as CSV in UTF-8 or Shift_JIS, or as Excel (.xlsx).")
    )


def _check_unzipped_size(data: bytes) -> None:
    """Raise ImportFileError when the .xlsx (zip) `data` would unzip to more than MAX_XLSX_UNZIPPED_BYTES (the
    sizes its directory declares; zipfile refuses to read a part beyond its declared size). A file that is no
    zip at all is left to the reader, which refuses it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    if unzipped > MAX_XLSX_UNZIPPED_BYTES:
        raise ImportFileError(
            _("This Excel file holds too much data to import. Save only the member rows and columns, then import.")
        )


def read_member_file(name: str, data: bytes) -> ParsedFile:
    """Read an uploaded member file (`name` its file name, `data` its bytes; .xlsx by content or name, else CSV).
    Raises ImportFileError when the file is too big, unreadable, has no e-mail column or more than MAX_ROWS rows."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 2 MB. Split it into smaller files and import each."))
    dataset = tablib.Dataset()
    try:
        if data[:2] == b"PK" or name.lower().endswith(".xlsx"):
            _check_unzipped_size(data)
            dataset.load(io.BytesIO(data), format="xlsx")
        else:
            text = _decode(data)
            # Refuse a file of far too many lines before the CSV reader builds every row (2 MB of short lines is
            # some 350,000 rows, seconds of parsing). Twice the limit leaves room for cells that span lines.
            if text.count("\n") > 2 * MAX_ROWS + 1:
                raise ImportFileError(
                    _(
                        "The file has more than %(max)s rows; up to %(max)s can be imported at once. Split it into "
                        "smaller files."
                    )
                    % {"max": MAX_ROWS}
                )
            # A blank line would be dropped by the CSV reader and shift the row numbers we show: keep it as an
            # empty row (skipped below) so that row numbers stay those of the file.
            text = "\n".join(line if line.strip() else "," for line in text.splitlines())
            dataset.load(text, format="csv")
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError(
            _("This file could not be read as CSV or Excel (.xlsx). Export it again from your HR system.")
        ) from None
    headers = list(dataset.headers or [])
    columns, ignored, positions = [], [], {}
    for index, header in enumerate(headers):
        column = HEADER_MAP.get(_header_key(header))
        if column is None:
            if _cell_text(header):
                ignored.append(_cell_text(header))
            continue
        if column in positions:
            raise ImportFileError(
                _("Two columns of the header mean %(column)s. Keep one of them.") % {"column": COLUMN_LABELS[column]}
            )
        positions[column] = index
        columns.append(column)
    if "email" not in positions:
        raise ImportFileError(
            _(
                "The first row must name the columns, with one for the e-mail address (%(ja)s or %(en)s). "
                "Download an export to see the expected columns."
            )
            % {"ja": HEADERS["email"][0], "en": HEADERS["email"][1]}
        )
    rows = []
    for offset, row in enumerate(dataset, start=2):
        values = {column: _cell_text(row[index]) if index < len(row) else "" for column, index in positions.items()}
        if any(values.values()):
            rows.append([offset, values])
    if not rows:
        raise ImportFileError(_("The file has a header but no member rows."))
    if len(rows) > MAX_ROWS:
        raise ImportFileError(
            _("The file has %(n)s rows; up to %(max)s can be imported at once. Split it into smaller files.")
            % {"n": len(rows), "max": MAX_ROWS}
        )
    return ParsedFile(name, columns, rows, ignored)


def parse_date(text: str) -> date:
    """A date as HR files write it: 2024-04-01, 2024/4/1, 2024.4.1, 2024年4月1日, 20240401, R6.4.1, 令和6年4月1日,
    or an Excel day number. Raises ValueError otherwise."""
    value = unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")
    if match := _DATE_YMD.match(value) or _DATE_COMPACT.match(value):
        return date(int(match[1]), int(match[2]), int(match[3]))
    if match := _DATE_ERA.match(value):
        year = 1 if match[2] == "元" else int(match[2])
        return date(_ERAS[match[1]] + year, int(match[3]), int(match[4]))
    if value.isdigit() and 20000 <= int(value) <= 80000:
        # An Excel day number (a date cell saved as a number): days since 1899-12-30.
        return date(1899, 12, 30) + timedelta(days=int(value))
    raise ValueError(text)


def _tidy(text: str) -> str:
    """Full-width Latin and half-width kana to their usual width, runs of spaces to one, trimmed."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split())


@dataclass
class RowPlan:
    """What the import does with one row: `action` is "invite", "update", "unchanged" or "error"; `changes`
    lists `(column label, before, after)`; `errors` lists `(column label, message)`."""

    line: int
    email: str
    action: str = "unchanged"
    changes: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    values: dict = field(default_factory=dict)
    member: Membership | None = None
    returning: bool = False

    def error(self, column: str, message: str) -> None:
        self.errors.append((COLUMN_LABELS[column], message))


@dataclass
class ImportPlan:
    """The plan of a whole file: its rows, the department names it creates, and counts by action."""

    rows: list[RowPlan]
    new_departments: list[str]
    file_errors: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[tuple[int, str, str]]:
        return [(row.line, column, message) for row in self.rows for column, message in row.errors]

    @property
    def is_valid(self) -> bool:
        return not self.file_errors and not any(row.errors for row in self.rows)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    def fingerprint(self) -> str:
        """A digest of what the plan would do, so a confirmation applies only what the preview showed."""
        # In one language, so that switching the page's language between preview and confirmation is no change.
        memo = {}

        def text(value) -> str:
            # Column and role labels are a few lazy strings shared by every row: translate each once.
            if isinstance(value, Promise):
                return memo.setdefault(id(value), str(value))
            return str(value)

        with translation.override("en"):
            parts = [[row.line, row.action, [[text(c) for c in change] for change in row.changes]] for row in self.rows]
        return hashlib.sha256(json.dumps([parts, self.new_departments]).encode()).hexdigest()[:32]


def _department_key(name: str) -> str:
    return _tidy(name).casefold()


def plan_import(*, organization: Organization, actor: Membership, parsed: ParsedFile) -> ImportPlan:
    """Plan the import of `parsed` into `organization` by `actor` (the HR member importing): one RowPlan per row,
    with every error a person must fix. Reads the organization's members, pending invitations and departments
    in a fixed number of queries; writes nothing."""
    members = {
        m.user.email.lower(): m
        for m in Membership.objects.for_organization(organization).select_related("user", "manager__user", "department")
    }
    invitations = {}
    for invitation in (
        Invitation.objects.for_organization(organization)
        .pending()
        .select_related("manager__user", "department")
        .order_by("created_at")
    ):
        invitations[invitation.email.lower()] = invitation  # the newest wins: only its link works
    departments = list(Department.objects.for_organization(organization))
    by_name = {_department_key(d.name): d for d in departments}
    by_code = {_department_key(d.code): d for d in departments if d.code}
    columns = set(parsed.columns)
    plans: list[RowPlan] = []
    first_line: dict[str, int] = {}
    new_departments: dict[str, str] = {}
    managing_roles = set(roles_with(VIEW_REPORTS))

    for line, raw in parsed.rows:
        email = _tidy(raw.get("email", "")).lower()
        plan = RowPlan(line=line, email=email)
        plans.append(plan)
        if not email:
            plan.error("email", _("The e-mail address is missing. Every row needs one: it identifies the person."))
        else:
            try:
                validate_email(email)
            except ValidationError:
                plan.error("email", _("“%(value)s” is not an e-mail address. Check it for typos.") % {"value": email})
            else:
                if email in first_line:
                    plan.error(
                        "email",
                        _("This address is also on row %(line)s. Keep one row per person.")
                        % {"line": first_line[email]},
                    )
                else:
                    first_line[email] = line
        values = plan.values
        values["name"] = _tidy(raw.get("name", ""))[:150] if "name" in columns else None
        if "reading" in columns:
            try:
                values["reading"] = normalize_reading(raw.get("reading", ""))
            except ValidationError as error:
                values["reading"] = None
                plan.error("reading", " ".join(error.messages))
        if "role" in columns and raw.get("role", "").strip():
            role = ROLE_MAP.get(_header_key(raw["role"]))
            if role is None:
                plan.error(
                    "role",
                    _("“%(value)s” is not a role. Write 社員, 上司 or 人事 (or employee, manager, hr).")
                    % {"value": raw["role"]},
                )
            values["role"] = role
        if "job_title" in columns:
            values["job_title"] = _tidy(raw.get("job_title", ""))
            if len(values["job_title"]) > 200:
                plan.error("job_title", _("The job title is longer than 200 characters. Shorten it."))
        if "department" in columns:
            name = _tidy(raw.get("department", ""))
            key = _department_key(name)
            department = by_name.get(key) or by_code.get(key)
            if not name:
                values["department"] = None
            elif department is not None:
                values["department"] = department
            elif len(name) > 100:
                plan.error("department", _("The department name is longer than 100 characters. Shorten it."))
            else:
                new_departments.setdefault(key, name)
                values["department"] = ("new", key)
        if "joined_on" in columns:
            text = raw.get("joined_on", "").strip()
            try:
                values["joined_on"] = parse_date(text) if text else None
            except ValueError:
                plan.error(
                    "joined_on",
                    _("“%(value)s” is not a date. Write it like 2024/4/1, 2024-04-01 or 2024年4月1日.")
                    % {"value": text},
                )
        if "manager_email" in columns:
            values["manager_email"] = _tidy(raw.get("manager_email", "")).lower()

    by_email = {plan.email: plan for plan in plans if plan.email and first_line.get(plan.email) == plan.line}

    def final_role(email: str) -> str | None:
        plan, member = by_email.get(email), members.get(email)
        if plan is not None and plan.values.get("role"):
            return plan.values["role"]
        if member is not None:
            return member.role
        return None

    def is_member(email: str) -> bool:
        member = members.get(email)
        return member is not None and member.status == MembershipStatus.ACTIVE

    # Managers: each must be an active member whose role (after this file) may have reports.
    for plan in plans:
        manager_email = plan.values.get("manager_email")
        if not manager_email:
            continue
        if manager_email == plan.email:
            plan.error("manager_email", _("A person cannot be their own manager. Name someone else or leave it blank."))
        elif not is_member(manager_email):
            if manager_email in by_email:
                plan.error(
                    "manager_email",
                    _(
                        "%(email)s is invited by this file (row %(line)s) and can be named as a manager once they "
                        "have accepted. Leave the manager blank for now."
                    )
                    % {"email": manager_email, "line": by_email[manager_email].line},
                )
            else:
                plan.error(
                    "manager_email",
                    _("No active member has the address %(email)s. Check the address.") % {"email": manager_email},
                )
        elif final_role(manager_email) not in managing_roles:
            plan.error(
                "manager_email",
                _("%(email)s is not a manager or HR. Give them that role (in this file or on their page) first.")
                % {"email": manager_email},
            )

    # The graph after the import: each active member's manager, with the file's changes.
    manager_of = {m.pk: m.manager_id for m in members.values() if m.status == MembershipStatus.ACTIVE}
    for plan in plans:
        member = members.get(plan.email)
        if member is not None and member.status == MembershipStatus.ACTIVE and "manager_email" in plan.values:
            manager = members.get(plan.values["manager_email"] or "")
            manager_of[member.pk] = manager.pk if manager is not None else None
    names = {m.pk: m.user.email for m in members.values()}
    for plan in plans:
        member = members.get(plan.email)
        if member is None or member.pk not in manager_of or not plan.values.get("manager_email"):
            continue
        seen, cursor = [], manager_of.get(member.pk)
        while cursor is not None and cursor not in seen and cursor != member.pk:
            seen.append(cursor)
            cursor = manager_of.get(cursor)
        if cursor == member.pk and not any(column == COLUMN_LABELS["manager_email"] for column, _m in plan.errors):
            chain = " → ".join([plan.email, *[names[pk] for pk in seen], plan.email])
            plan.error("manager_email", _("This would make a reporting loop: %(chain)s.") % {"chain": chain})

    hr_after = {
        email
        for email, m in members.items()
        if m.status == MembershipStatus.ACTIVE and (final_role(email) if email in by_email else m.role) == Role.HR
    }
    for plan in plans:
        if plan.errors and not plan.email:
            plan.action = "error"
            continue
        member = members.get(plan.email)
        if member is not None and member.status == MembershipStatus.ACTIVE:
            _plan_update(plan, member, actor=actor, no_hr_left=not hr_after, members=members)
        else:
            _plan_invite(plan, member, invitations.get(plan.email))
        if plan.errors:
            plan.action = "error"
    return ImportPlan(rows=plans, new_departments=list(new_departments.values()))


def _department_label(value) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return value[1]
    return value.name


def _plan_update(plan: RowPlan, member: Membership, *, actor, no_hr_left: bool, members: dict) -> None:
    values = plan.values
    plan.member = member
    role = values.get("role") or member.role
    if role != member.role:
        if member.pk == actor.pk:
            plan.error("role", _("You cannot change your own role. Ask another HR member."))
        elif member.role == Role.HR and no_hr_left:
            plan.error("role", _("This would leave the organization without an active HR member."))
        plan.changes.append((COLUMN_LABELS["role"], member.get_role_display(), Role(role).label))
    if "manager_email" in values:
        new = members.get(values["manager_email"]) if values["manager_email"] else None
        if (new.pk if new else None) != member.manager_id:
            before = member.manager.user.email if member.manager else ""
            plan.changes.append((COLUMN_LABELS["manager_email"], before, values["manager_email"]))
    if "job_title" in values and values["job_title"] != member.job_title:
        plan.changes.append((COLUMN_LABELS["job_title"], member.job_title, values["job_title"]))
    if "department" in values:
        department = values["department"]
        same = (department.pk if isinstance(department, Department) else department) == member.department_id
        if not same:
            if isinstance(department, Department) and department.archived_at is not None:
                plan.error(
                    "department",
                    _("The department %(name)s is archived. Choose another or unarchive it first.")
                    % {"name": department.name},
                )
            before = member.department.name if member.department else ""
            plan.changes.append((COLUMN_LABELS["department"], before, _department_label(department)))
    if "joined_on" in values and values["joined_on"] != member.joined_on and values["joined_on"] is not None:
        plan.changes.append((COLUMN_LABELS["joined_on"], member.joined_on or "", values["joined_on"]))
    user = member.user
    if values.get("name") and values["name"] != user.name:
        plan.notes.append(
            _("The name differs from the one on the person's account (%(name)s); it is theirs to change.")
            % {"name": user.name}
        )
    elif values.get("reading") and values["reading"] != user.reading:
        plan.notes.append(
            _("The reading differs from the one on the person's account (%(reading)s); it is theirs to change.")
            % {"reading": user.reading}
        )
    plan.action = "update" if plan.changes else "unchanged"


def _plan_invite(plan: RowPlan, member: Membership | None, invitation: Invitation | None) -> None:
    values = plan.values
    plan.returning = member is not None and member.status == MembershipStatus.ALUMNI
    if invitation is not None:
        # A column the file does not have keeps what the pending invitation says.
        kept = {
            "name": invitation.name,
            "reading": invitation.reading,
            "role": invitation.role,
            "manager_email": invitation.manager.user.email if invitation.manager else "",
            "job_title": invitation.job_title,
            "department": invitation.department,
            "joined_on": invitation.joined_on,
        }
        for key, value in kept.items():
            if values.get(key) is None or (key in ("name", "role") and not values[key]):
                values[key] = value
    if invitation is None and not values.get("name") and not plan.returning:
        plan.error("name", _("The name is missing. A new person needs a name."))
    department = values.get("department")
    if isinstance(department, Department) and department.archived_at is not None:
        plan.error(
            "department",
            _("The department %(name)s is archived. Choose another or unarchive it first.") % {"name": department.name},
        )
    new = {
        "name": values.get("name") or "",
        "reading": values.get("reading") or "",
        "role": values.get("role") or Role.EMPLOYEE,
        "manager_email": values.get("manager_email") or "",
        "job_title": values.get("job_title") or "",
        "department": _department_label(values.get("department")),
        "joined_on": values.get("joined_on") or "",
    }
    if invitation is not None:
        old = {
            "name": invitation.name,
            "reading": invitation.reading,
            "role": invitation.role,
            "manager_email": invitation.manager.user.email if invitation.manager else "",
            "job_title": invitation.job_title,
            "department": invitation.department.name if invitation.department else "",
            "joined_on": invitation.joined_on or "",
        }
        for key, before in old.items():
            if str(before) != str(new[key]):
                shown = (Role(before).label, Role(new[key]).label) if key == "role" else (before, new[key])
                plan.changes.append((COLUMN_LABELS[key], *shown))
        plan.action = "invite" if plan.changes else "unchanged"
        return
    for key, value in new.items():
        if value:
            shown = Role(value).label if key == "role" else value
            plan.changes.append((COLUMN_LABELS[key], "", shown))
    plan.action = "invite"


def member_import_apply(*, organization: Organization, actor: Membership, parsed: ParsedFile) -> ImportPlan:
    """Plan `parsed` again against the organization as it is now and, if no row has an error, apply it in one
    transaction: new departments, member changes (managers before their reports), invitations (each mailed
    after the commit), and one `member.import` audit row with the counts. Returns the plan; an invalid plan
    (`is_valid` false, errors in its rows or `file_errors`) is returned with nothing written."""

    plan = plan_import(organization=organization, actor=actor, parsed=parsed)
    if not plan.is_valid:
        return plan
    try:
        with transaction.atomic():
            _apply(plan, organization=organization, actor=actor, parsed=parsed)
    except ValidationError as error:
        # A rule the services check that the plan did not foresee (a concurrent change): nothing is written.
        plan.file_errors.extend(error.messages)
    return plan


def _apply(plan: ImportPlan, *, organization: Organization, actor: Membership, parsed: ParsedFile) -> None:
    from alliance import services

    # Every department the file assigns, locked up front in one order (services.lock_department locks each again
    # later, after the HR rows): an archive waits until this import ends, and a concurrent member change, which
    # locks its department before the HR rows, cannot hold one of them while waiting for this import's.
    assigned = {
        row.values["department"].pk
        for row in plan.rows
        if row.action in ("invite", "update") and isinstance(row.values.get("department"), Department)
    }
    if assigned:
        list(
            Department.objects.for_organization(organization)
            .select_for_update()
            .filter(pk__in=assigned)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    created = {}
    for key_name in plan.new_departments:
        department = services.department_create(organization=organization, name=key_name)
        created[_department_key(key_name)] = department

    def department_of(value):
        return created[value[1]] if isinstance(value, tuple) else value

    members = {
        m.user.email.lower(): m
        for m in Membership.objects.for_organization(organization)
        .filter(status=MembershipStatus.ACTIVE)
        .select_related("user", "manager")
    }
    updates = [row for row in plan.rows if row.action == "update"]

    def depth(row: RowPlan) -> int:
        # Managers named in the file are changed before their reports, so that a promotion precedes its use.
        level, email, seen = 0, row.values.get("manager_email"), set()
        while email and email not in seen:
            seen.add(email)
            level += 1
            parent = next((r for r in updates if r.email == email), None)
            email = parent.values.get("manager_email") if parent else None
        return level

    for row in sorted(updates, key=depth):
        member = members[row.email]
        values = row.values
        kwargs = {}
        if "department" in values:
            kwargs["department"] = department_of(values["department"])
        if values.get("joined_on"):
            kwargs["joined_on"] = values["joined_on"]
        manager = member.manager
        if "manager_email" in values:
            manager = members.get(values["manager_email"]) if values["manager_email"] else None
        services.membership_update(
            membership=member,
            actor=actor,
            role=values.get("role") or member.role,
            manager=manager,
            job_title=values.get("job_title", member.job_title),
            **kwargs,
        )
    for row in plan.rows:
        if row.action != "invite":
            continue
        values = row.values
        services.invitation_create(
            organization=organization,
            invited_by=actor.user,
            email=row.email,
            role=values.get("role") or Role.EMPLOYEE,
            manager=members.get(values.get("manager_email") or ""),
            job_title=values.get("job_title") or "",
            reading=values.get("reading") or "",
            department=department_of(values.get("department")),
            name=values.get("name") or "",
            joined_on=values.get("joined_on"),
        )
    counts = {
        "invited": plan.count("invite"),
        "updated": plan.count("update"),
        "unchanged": plan.count("unchanged"),
        "new_departments": len(plan.new_departments),
    }
    audit_log(
        "member.import",
        obj=organization,
        actor=actor,
        changes={key: [None, value] for key, value in counts.items()},
        label=parsed.filename,
    )


class MemberExport:
    """What a member export holds: `organization`'s active members (by reading) then its pending invitations of
    people who are not active members (the newest per address), in the import's columns, so that the file
    imports back as "no change". Headers and role words in Japanese or English (`japanese`). Reading it keeps
    memory flat: the members are read 500 at a time, the invitations by their ids 500 at a time."""

    CHUNK = 500

    def __init__(self, *, organization: Organization, japanese: bool = True):
        self.organization = organization
        self.japanese = japanese
        self.active = (
            Membership.objects.for_organization(organization)
            .filter(status=MembershipStatus.ACTIVE)
            .select_related("user", "manager__user", "department")
            .order_by("user__reading_key", "user__email", "pk")
        )
        active_emails = {email.lower() for email in self.active.values_list("user__email", flat=True)}
        self.active_count = len(active_emails)
        seen: set[str] = set()
        self.invitation_ids: list[int] = []
        for pk, email in (
            Invitation.objects.for_organization(organization)
            .pending()
            .order_by("-created_at", "-pk")
            .values_list("pk", "email")
        ):
            if email.lower() in seen or email.lower() in active_emails:
                continue
            seen.add(email.lower())
            self.invitation_ids.append(pk)

    def count(self) -> int:
        """How many rows (people) the file holds, its header aside."""
        return self.active_count + len(self.invitation_ids)

    def header(self) -> list[str]:
        return list(HEADERS_JA if self.japanese else HEADERS_EN)

    def _role_word(self, role) -> str:
        return ROLE_EXPORT_JA[role] if self.japanese else str(role)

    def rows(self, *, dates_as_text: bool = True):
        """Each person's cells in COLUMNS order, as they are (the caller neutralises them against formulas);
        dates as ISO text, or as dates with `dates_as_text` false (an .xlsx date cell)."""

        def day(value):
            if not value:
                return ""
            return value.isoformat() if dates_as_text else value

        for m in self.active.iterator(chunk_size=self.CHUNK):
            yield [
                m.user.email,
                m.user.name,
                m.user.reading,
                self._role_word(m.role),
                m.manager.user.email if m.manager else "",
                m.job_title,
                m.department.name if m.department else "",
                day(m.joined_on),
            ]
        for start in range(0, len(self.invitation_ids), self.CHUNK):
            chunk = self.invitation_ids[start : start + self.CHUNK]
            invitations = Invitation.objects.for_organization(self.organization).select_related(
                "manager__user", "department"
            )
            by_pk = {inv.pk: inv for inv in invitations.filter(pk__in=chunk)}
            for pk in chunk:
                inv = by_pk[pk]
                yield [
                    inv.email,
                    inv.name,
                    inv.reading,
                    self._role_word(inv.role),
                    inv.manager.user.email if inv.manager else "",
                    inv.job_title,
                    inv.department.name if inv.department else "",
                    day(inv.joined_on),
                ]


def export_members(*, organization: Organization, file_format: str, japanese: bool = True) -> bytes:
    """The organization's members as MemberExport reads them, as "csv" (UTF-8 with a BOM, so that Excel opens it
    as UTF-8) or "xlsx" bytes, in memory (the members page streams its CSV with alliance.exports instead).
    Names, readings and job titles are typed by the members: no cell may run as a formula in HR's spreadsheet."""
    from alliance.exports import csv_lines

    export = MemberExport(organization=organization, japanese=japanese)
    if file_format != "xlsx":
        return "".join(csv_lines(export.header(), export.rows())).encode("utf-8")
    dataset = tablib.Dataset(headers=export.header())
    dataset.title = "members"
    for row in export.rows(dates_as_text=False):
        dataset.append([cell if isinstance(cell, date) else spreadsheet_safe(cell) for cell in row])
    return dataset.export("xlsx")
