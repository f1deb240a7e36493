"""The account area's pages (allauth's, with our templates) are valid HTML.

Two checks on each page: the Nu HTML Checker itself (vnu.jar, from the `vnu-jar` npm package, run with Java; CI
installs it, see .ci/run) and, always, a parser that finds the fault kinds a tester reported: block elements inside
`<p>`/`<span>` (password rules are a list), duplicate ids, labels and aria-describedby pointing at nothing.
"""

import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import UserFactory

VNU_DEFAULT = Path.home() / ".cache" / "alliance-vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# Elements that may not appear where only phrasing content is allowed (a subset of HTML's flow-only elements).
BLOCK = {
    "address", "article", "aside", "blockquote", "details", "dialog", "div", "dl", "fieldset", "figure", "footer",
    "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "nav", "ol", "p", "pre", "section", "table",
    "ul",
}  # fmt: skip
PHRASING_ONLY = {"p", "span", "label", "button", "a", "em", "strong", "small", "h1", "h2", "h3", "h4", "h5", "h6"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class StructureChecker(HTMLParser):
    """Collects structural faults of one HTML document (see the module docstring for the kinds)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.ids: dict[str, int] = {}
        self.label_targets: list[str] = []
        self.described_by: list[str] = []
        self.faults: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        inside = [open_tag for open_tag in self.stack if open_tag in PHRASING_ONLY]
        if tag in BLOCK and inside:
            self.faults.append(f"<{tag}> inside <{inside[-1]}>")
        if tag == "form" and "form" in self.stack:
            self.faults.append("<form> inside <form>")
        if attrs.get("id"):
            self.ids[attrs["id"]] = self.ids.get(attrs["id"], 0) + 1
        if tag == "label" and attrs.get("for"):
            self.label_targets.append(attrs["for"])
        if attrs.get("aria-describedby"):
            self.described_by.extend(attrs["aria-describedby"].split())
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass
        else:
            self.faults.append(f"</{tag}> closes nothing")

    def report(self) -> list[str]:
        faults = list(self.faults)
        faults += [f'id "{name}" used {n} times' for name, n in self.ids.items() if n > 1]
        faults += [f'label for "{name}": no such id' for name in self.label_targets if name not in self.ids]
        faults += [f'aria-describedby "{name}": no such id' for name in self.described_by if name not in self.ids]
        return faults


def structure_faults(html: str) -> list[str]:
    checker = StructureChecker()
    checker.feed(html)
    checker.close()
    return checker.report()


def _vnu_jar() -> Path | None:
    path = Path(os.environ.get("VNU_JAR") or VNU_DEFAULT)
    return path if path.exists() and shutil.which("java") else None


def nu_errors(html: str, tmp_path: Path) -> list[str]:
    page = tmp_path / "page.html"
    page.write_text(html)
    result = subprocess.run(
        ["java", "-jar", str(_vnu_jar()), "--errors-only", "--format", "json", str(page)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    return [f"line {m.get('lastLine')}: {m['message']}" for m in messages if m.get("type") == "error"]


def _password_reset_key_url(client, user) -> str:
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    return f"/accounts/password/reset/key/{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}/"


def _page(name: str, *, invalid: bool):
    """Render one account page, blank or after an invalid submission (errors shown), as HTML text."""
    client = Client()
    user = UserFactory()
    user.set_password("an-old-password-4711")
    user.save()
    if name == "password_set":
        user.set_unusable_password()
        user.save()
    data = {"password1": "short", "password2": "different", "oldpassword": "nope", "email": "not-an-e-mail"}
    if name in {"password_change", "password_set"}:
        client.force_login(user)
        path = f"/accounts/password/{name.split('_')[1]}/"
    elif name == "password_reset":
        path = "/accounts/password/reset/"
    elif name == "password_reset_from_key":
        response = client.get(_password_reset_key_url(client, user), follow=True)
        path = response.redirect_chain[-1][0] if response.redirect_chain else response.request["PATH_INFO"]
    elif name in {"email", "reauthenticate"}:
        client.force_login(user)
        path = f"/accounts/{name}/"
        data = {"action_add": "", "email": "not-an-e-mail", "password": "nope"}
    elif name == "signup":
        path = "/accounts/signup/"
    else:
        path = "/accounts/login/"
        data = {"login": "not-an-e-mail", "password": ""}
    response = client.post(path, data) if invalid else client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


PAGES = [
    "password_change",
    "password_set",
    "password_reset",
    "password_reset_from_key",
    "signup",
    "login",
    "email",
    "reauthenticate",
]


@pytest.mark.parametrize("invalid", [False, True], ids=["blank", "with-errors"])
@pytest.mark.parametrize("name", PAGES)
def test_account_pages_have_no_structural_html_faults(db, name, invalid):
    assert structure_faults(_page(name, invalid=invalid)) == []


@pytest.mark.parametrize("name", PAGES)
def test_account_pages_pass_the_nu_html_checker(db, tmp_path, name):
    if _vnu_jar() is None:
        message = f"vnu.jar or java is missing: `npm install --prefix {VNU_DEFAULT.parents[3]} vnu-jar` (or VNU_JAR)."
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    assert nu_errors(_page(name, invalid=True), tmp_path) == []


@pytest.mark.parametrize(
    ("html", "fault"),
    [
        ("<p>Rules: <ul><li>8 characters</li></ul></p>", "<ul> inside <p>"),
        ("<p><span><div>x</div></span></p>", "<div> inside <span>"),
        ('<input id="a"><input id="a">', 'id "a" used 2 times'),
        ('<label for="b">B</label>', 'label for "b": no such id'),
        ('<input aria-describedby="c_helptext">', 'aria-describedby "c_helptext": no such id'),
        ("<form><form></form></form>", "<form> inside <form>"),
    ],
)
def test_the_structure_checker_finds_each_fault_kind(html, fault):
    assert fault in structure_faults(html)
