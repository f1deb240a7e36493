"""The documentation stays honest: `README.md` and `docs/*.md` point only at files of this repository that exist
(relative links, their #anchors, and backticked paths such as `alliance/audit.py`), never at a file outside it, and
every variable `alliance/settings.py` reads from the environment is documented in `README.md` or
`docs/operations.md`."""

from __future__ import annotations

import ast
import re
import subprocess
import unicodedata
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SETTINGS = ROOT / "alliance" / "settings.py"
ENV_DOCUMENTS = [ROOT / "README.md", ROOT / "docs" / "operations.md"]

# Markdown links and images: [text](target) and ![alt](target "title").
LINK = re.compile(r"!?\[[^\]]*\]\(\s*([^)\s]+)(?:\s+\"[^\"]*\")?\s*\)")
INLINE_CODE = re.compile(r"`([^`\n]+)`")
FENCED_BLOCK = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
# A backticked token ending like one of these is a file name, wherever it claims to live.
FILE_SUFFIXES = {
    ".md", ".py", ".txt", ".html", ".toml", ".yml", ".yaml", ".json", ".po", ".mo", ".css", ".js", ".cfg", ".ini",
    ".sh", ".lock",
}  # fmt: skip
# Characters that make a backticked token a pattern, a URL, code or a command rather than one path.
NOT_A_PATH = re.compile(r"[\s<>*{}%$=:;,()'\"|…\[\]?&@+]|\.\.\.")
OUTSIDE = "outside the repository"
MISSING = "no such file or directory in the repository"
NO_ANCHOR = "no such heading"


@cache
def repository_paths() -> frozenset[str]:
    """Every file of the repository (tracked, or new and not ignored) and every directory holding one, relative to
    the root ("alliance/audit.py", "alliance"): an ignored local file (db.sqlite3, media/) is none. Without git,
    the work tree's files."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout.decode()
        files = [name for name in listed.split("\0") if name]
    except (OSError, subprocess.SubprocessError):
        skip = {".git", ".venv", "node_modules", "__pycache__"}
        files = [
            str(p.relative_to(ROOT))
            for p in ROOT.rglob("*")
            if p.is_file() and not skip & set(p.relative_to(ROOT).parts)
        ]
    paths = set(files)
    for name in files:
        parts = name.split("/")
        paths.update("/".join(parts[:i]) for i in range(1, len(parts)))
    return frozenset(paths)


def in_repository(relative: str) -> bool:
    """Whether `relative` (from the repository root; a trailing "/" marks a directory) is a tracked path."""
    return relative.rstrip("/") in repository_paths() or relative in {"", "."}


def github_anchor(heading: str) -> str:
    """The #anchor GitHub gives a Markdown heading: lower case, inline markup and punctuation dropped, spaces
    become hyphens (letters of any script are kept, as GitHub keeps Japanese)."""
    text = re.sub(r"`|\*\*|__|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    kept = "".join(ch for ch in text if ch in " -_" or unicodedata.category(ch)[0] in "LN")
    return kept.replace(" ", "-")


def anchors_of(path: Path) -> set[str]:
    text = FENCED_BLOCK.sub("", path.read_text(encoding="utf-8"))
    return {github_anchor(match) for match in HEADING.findall(text)}


def link_problems(target: str, document: Path) -> list[str]:
    """What is wrong with the Markdown link `target` written in `document`: [] when it is a web address, an
    anchor of the page itself that exists, or a repository file (and anchor) that exists."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # https:, mailto: ... (file: is no web address)
        return [f"{target}: {OUTSIDE}"] if target.lower().startswith("file:") else []
    path_part, _hash, anchor = target.partition("#")
    path_part = path_part.split("?", 1)[0]
    if path_part.startswith("/"):
        return [f"{target}: {OUTSIDE} (an absolute path)"]
    resolved = (document.parent / path_part).resolve() if path_part else document
    try:
        relative = resolved.relative_to(ROOT).as_posix()
    except ValueError:
        return [f"{target}: {OUTSIDE}"]
    if path_part and not in_repository(relative):
        return [f"{target}: {MISSING}"]
    if anchor and resolved.suffix == ".md" and resolved.is_file() and anchor not in anchors_of(resolved):
        return [f"{target}: {NO_ANCHOR} #{anchor} in {relative}"]
    return []


def code_path_problems(token: str) -> list[str]:
    """What is wrong with a backticked token that names a repository path: [] for anything that is no path (a
    URL of the site, a pattern with placeholders, a dotted module name, a command) or a path that exists."""
    if NOT_A_PATH.search(token) or "/" not in token and Path(token).suffix not in FILE_SUFFIXES:
        return []
    while token.startswith("./"):
        token = token[2:]
    if token.startswith(("../", "~")):
        return [f"`{token}`: {OUTSIDE}"]
    if token.startswith("/"):
        # A site URL (`/verify/`, `/healthz`) is fine; a file's absolute path never names a repository file.
        return [f"`{token}`: {OUTSIDE} (an absolute path)"] if Path(token).suffix in FILE_SUFFIXES else []
    if "/" not in token:
        # A bare file name ("models.py" in an app, "records.csv") names no particular repository file.
        return []
    top = token.split("/", 1)[0]
    if Path(token).suffix in FILE_SUFFIXES or in_repository(top):
        return [] if in_repository(token) else [f"`{token}`: {MISSING}"]
    return []


def problems_in(text: str, document: Path) -> list[str]:
    """Every link and backticked path of Markdown `text` (as written in `document`) that points outside the
    repository or at nothing. Fenced code blocks are commands and trees, not references: they are skipped."""
    prose = FENCED_BLOCK.sub("", text)
    problems = []
    for target in LINK.findall(prose):
        problems += link_problems(target, document)
    without_links = LINK.sub("", prose)
    for token in INLINE_CODE.findall(without_links):
        problems += code_path_problems(token.strip())
    return problems


@pytest.mark.parametrize(
    ("markdown", "kind"),
    [
        ("see [the design](../shared/DESIGN.md)", OUTSIDE),
        ("see [the design](../../shared/DESIGN.md)", OUTSIDE),
        ("see [passwords](/etc/passwd)", OUTSIDE),
        ("see [a file](file:///work/shared/DESIGN.md)", OUTSIDE),
        ("design in `../shared/DESIGN.md`", OUTSIDE),
        ("design in `/work/shared/CONVENTIONS.md`", OUTSIDE),
        ("see [ops](docs/no-such-page.md)", MISSING),
        ("see [ops](operations.md)", MISSING),  # from the README, docs/ is not beside it
        ("code in `alliance/no_such_module.py`", MISSING),
        ("code in `agreements/no_such_folder/`", MISSING),
        ("notes in `notes/design.md`", MISSING),
        ("see [the glossary](docs/architecture.md#no-such-heading)", NO_ANCHOR),
        ("see [below](#no-such-heading-here)", NO_ANCHOR),
        ("see [ops](docs/operations.md), code in `alliance/audit.py` and `alumni/models/`", None),
        ("see [the glossary](docs/architecture.md#glossary) and [below](#configuration)", None),
        ("the site's `/verify/`, `/<org>/audit/`, `/healthz` and `https://docs.astral.sh/uv/`", None),
        ("patterns `templates/emails/<kind>-body.txt`, `alumni/notices_*.py`, `agreements/%Y/%m/`", None),
        ("names `alliance.audit`, `models.py`, `MEDIA_ROOT/sealing/seal.pem`, `./media`, `uv run pytest`", None),
        ("code in `./alliance/audit.py`", None),
        ("code in `./alliance/no_such_module.py`", MISSING),
        ("[uv](https://docs.astral.sh/uv/) and [mail](mailto:hr@acme.example)", None),
        ("```\nsee ../shared/DESIGN.md and [x](../outside.md)\n```", None),
    ],
)
def test_the_checker_finds_each_kind_of_broken_reference(markdown, kind):
    problems = problems_in(markdown, ROOT / "README.md")
    if kind is None:
        assert problems == []
    else:
        assert len(problems) == 1 and kind in problems[0], problems


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_documentation_points_only_at_files_of_this_repository(document):
    assert problems_in(document.read_text(encoding="utf-8"), document) == []


def test_the_readme_links_the_documentation_pages():
    readme = ROOT / "README.md"
    targets = {target.partition("#")[0] for target in LINK.findall(readme.read_text(encoding="utf-8"))}
    pages = {f"docs/{name}.md" for name in ("architecture", "operations", "security", "scaling")}
    assert pages <= targets, sorted(pages - targets)


def environment_variables(source: str) -> set[str]:
    """The names a settings module reads from the environment, as string literals passed to `env`, `envbool`,
    `envlist`, `os.environ.get`, `os.getenv`, or as `os.environ["NAME"]`."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else ast.unparse(func)
            if called in {"env", "envbool", "envlist", "os.environ.get", "os.getenv"}:
                names.add(node.args[0].value)
        elif (
            isinstance(node, ast.Subscript)
            and ast.unparse(node.value) == "os.environ"
            and isinstance(node.slice, ast.Constant)
        ):
            names.add(node.slice.value)
    return {name for name in names if isinstance(name, str)}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('A = env("DATABASE_URL", "sqlite://")', {"DATABASE_URL"}),
        ('DEBUG = envbool("DJANGO_DEBUG", default=True)', {"DJANGO_DEBUG"}),
        ('HOSTS = envlist("DJANGO_ALLOWED_HOSTS")', {"DJANGO_ALLOWED_HOSTS"}),
        ('import os\nX = os.environ.get("ALLIANCE_X")', {"ALLIANCE_X"}),
        ('import os\nX = os.getenv("ALLIANCE_Y", "1")', {"ALLIANCE_Y"}),
        ('import os\nX = os.environ["ALLIANCE_Z"]', {"ALLIANCE_Z"}),
        ('X = int(env("ALLIANCE_N", str(5)))', {"ALLIANCE_N"}),
        ('name = "A"\nX = env(name)', set()),
        ('X = other("NOT_AN_ENV")', set()),
    ],
)
def test_every_way_of_reading_the_environment_is_found(source, expected):
    assert environment_variables(source) == expected


def test_every_environment_variable_of_the_settings_is_documented():
    names = environment_variables(SETTINGS.read_text(encoding="utf-8"))
    # The settings read many variables; finding few would mean the reader above no longer understands them.
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "ALLIANCE_SESSION_IDLE_MINUTES"} <= names
    documented = "\n".join(path.read_text(encoding="utf-8") for path in ENV_DOCUMENTS)
    missing = sorted(name for name in names if f"`{name}`" not in documented)
    assert missing == [], f"document these in README.md or docs/operations.md: {missing}"
