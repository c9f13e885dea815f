"""The README and the docs have no dead links (issue 20): every relative link and image points
to a file in the repository (and to a heading there, for a #fragment), and every Markdown file
they name (`SECURITY.md`, `docs/reports.md`) exists. Design notes kept outside the repository
are not referred to."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
NAMED_MD = re.compile(r"(?<![\w/.-])((?:[\w-]+/)*[\w-]+\.md)\b")


def documents() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.md"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.split()
    found = {ROOT / name for name in listed} | {ROOT / "README.md", *ROOT.glob("docs/*.md")}
    return sorted(path for path in found if path.exists())


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = heading.strip().lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in ("L", "N", "M"))
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*$", text, re.M)}


@pytest.mark.parametrize("document", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_to_a_file_that_exists(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    dead = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...
            continue
        name, _, fragment = target.partition("#")
        path = (document.parent / name).resolve() if name else document
        outside = ROOT not in path.parents
        missing_heading = bool(fragment) and path.suffix == ".md" and fragment not in anchors(path)
        if not path.exists() or outside or missing_heading:
            dead.append(target)
    assert not dead, f"{document.relative_to(ROOT)} links to what does not exist: {dead}"


@pytest.mark.parametrize(
    "document",
    [p for p in documents() if p.parent == ROOT or p.parent.name == "docs"],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_every_markdown_file_named_exists(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    missing = sorted(
        {
            name
            for name in NAMED_MD.findall(text)
            if not (document.parent / name).exists() and not (ROOT / name).exists()
        }
    )
    assert not missing, f"{document.relative_to(ROOT)} names files that are not here: {missing}"


def test_the_anchor_rule_matches_githubs() -> None:
    assert slug("Per-group settings") == "per-group-settings"
    assert slug("A fresh clone: make demo") == "a-fresh-clone-make-demo"
