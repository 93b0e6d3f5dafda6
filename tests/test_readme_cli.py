"""The README's command list is the CLI: the same commands, each with the same options."""
from __future__ import annotations

import argparse
import re

from analytics.cli import COMMANDS, build_parser
from tests.support.environment import ROOT

#: Every command takes these; the README says so once above the list instead of on each line.
ON_EVERY_COMMAND = {"-h", "--help", "--db"}


def readme_commands() -> dict[str, set[str]]:
    """command -> the options its line in README's "Command line" block names."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Command line", 1)[1].split("\n## ", 1)[0]
    block = section.split("```console", 1)[1].split("```", 1)[0]
    listed: dict[str, set[str]] = {}
    for line in block.strip().splitlines():
        match = re.fullmatch(r"python -m analytics (\S+)(.*)", line.strip())
        assert match, f"not a command line: {line!r}"
        name, rest = match.groups()
        assert name not in listed, f"{name} is listed twice"
        listed[name] = set(re.findall(r"--[a-z][a-z-]*", rest))
    return listed


def cli_options(name: str) -> set[str]:
    parser = build_parser(name)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    command = sub.choices[name]
    return {flag for action in command._actions for flag in action.option_strings
            if flag.startswith("--")} - ON_EVERY_COMMAND


def test_the_readme_lists_exactly_the_cli_commands() -> None:
    assert sorted(readme_commands()) == sorted(COMMANDS)


def test_each_readme_line_names_exactly_the_commands_options() -> None:
    listed = readme_commands()
    mismatched = {name: {"README only": sorted(listed[name] - cli_options(name)),
                         "CLI only": sorted(cli_options(name) - listed[name])}
                  for name in COMMANDS if listed.get(name) != cli_options(name)}
    assert mismatched == {}
