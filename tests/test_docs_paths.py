"""Every file the README's Layout and the recipes in docs/recipes.md name exists, so a newcomer
who follows them lands in the right file (and a rename that forgets them fails here)."""
from __future__ import annotations

import re

from tests.support.environment import ROOT

#: A project path as the recipes write it: `analytics/store/migrations.py`, `pages/<page>.py`.
_PROJECT_PATH = re.compile(
    r"(?<![\w/.])((?:analytics|dashboard|pages|tests|docs|bench|data)/[\w/<>.-]*[\w>/])"
)
#: A tree entry of the Layout block: its indentation, name, and description.
_ENTRY = re.compile(r"^( {0,6})(\S+?/?)(?: {2,}(.*))?$")
_MODULE = re.compile(r"(?<![\w/.])(\w+\.py)\b")


def _exists(relative: str) -> bool:
    """A placeholder part (`<topic>.py`) stands for any file: its folder must exist."""
    if "<" in relative:
        return (ROOT / relative.split("<", 1)[0]).is_dir()
    return (ROOT / relative.rstrip("/")).exists()


def _layout_paths() -> list[str]:
    """The paths the Layout block names: each tree entry, and the modules its text mentions
    (relative to the entry's folder, or to a file entry's folder)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Layout", 1)[1].split("```", 2)[1]
    folders: list[str] = []
    paths: list[str] = []
    where = ""
    for line in block.splitlines():
        found = _ENTRY.match(line)
        if not line.strip():
            continue
        if found is None or len(found.group(1)) % 2:
            # A continuation line of the previous entry's description.
            paths += [where + module for module in _MODULE.findall(line)]
            continue
        depth = len(found.group(1)) // 2
        name, text = found.group(2), found.group(3) or ""
        folders = folders[:depth]
        path = "".join(folders) + name
        paths.append(path)
        if name.endswith("/"):
            folders.append(name)
            where = path
        else:
            where = "".join(folders)
        paths += [where + module for module in _MODULE.findall(text)]
    return paths


def test_every_path_in_the_readme_layout_exists():
    paths = _layout_paths()
    assert {"analytics/store/migrations.py", "analytics/operations.py",
            "analytics/ingest/guard/", "analytics/sample/loading.py"} <= set(paths)
    assert [p for p in paths if not _exists(p)] == []


def test_every_file_a_recipe_names_exists():
    recipes = (ROOT / "docs" / "recipes.md").read_text(encoding="utf-8")
    for title in ("## Add a field", "## Add a chart"):
        assert title in recipes
    paths = set(_PROJECT_PATH.findall(recipes))
    assert {"analytics/domain.py", "analytics/store/migrations.py", "docs/import.md",
            "analytics/charts/catalog.py", "pages/<page>.py"} <= paths
    assert sorted(p for p in paths if not _exists(p)) == []


def test_the_recipes_links_land_on_a_heading():
    recipes = (ROOT / "docs" / "recipes.md").read_text(encoding="utf-8")
    for page, anchor in re.findall(r"\]\((\w+\.md)#([\w-]+)\)", recipes):
        headings = re.findall(r"^#+ (.+)$", (ROOT / "docs" / page).read_text(encoding="utf-8"), re.M)
        assert anchor in {re.sub(r"[^\w -]", "", h).strip().lower().replace(" ", "-") for h in headings}
