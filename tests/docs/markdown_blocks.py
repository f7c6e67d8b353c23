"""The Python blocks of a Markdown page as Sybil examples, each checked against what it shows.

Every fenced block whose language is ``python`` runs, in the order of the page and in one
namespace per page (a page is read top to bottom, and so is its code). A block shows what it
prints in either of two ways, and both are compared with what it really prints:

* a ``text`` block right after it (nothing but blank lines between) is its whole output;
* a top-level ``print(...)`` that prints one line, on a line that ends with a comment, prints
  exactly that comment (``print(x.grad)  # 4.0``). A print of several lines cannot be shown in
  a comment, so its comment only describes it (``print(dot.source)  # the DOT text``).

Trailing spaces and blank lines at the end are not compared; everything else is, to the
character.
"""

from __future__ import annotations

import ast
import contextlib
import difflib
import io
import re
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sybil import Document, Example, Region
from sybil.parsers.markdown.lexers import RawFencedCodeBlockLexer

PYTHON = frozenset({"python", "py", "python3"})
#: The languages a page may show without running them: outputs and shell sessions.
NOT_RUN = frozenset({"text", "console", "sh", "bash", "yaml", "toml", "markdown", "dot"})
OUTPUT = "text"

LEXER = RawFencedCodeBlockLexer(
    info_pattern=re.compile(r"(?P<info>[^\n]*)$\n", re.MULTILINE),
    mapping={"info": "info", "source": "source"},
)


@dataclass(frozen=True)
class Block:
    """A Python block: its code, the first line of that code in the file, what it shows."""

    source: str
    line: int
    expected: str | None


def language(region: Region) -> str:
    """The first word of a fenced block's info string (``text title="Output"`` is ``text``)."""
    info = str(region.lexemes["info"]).strip()
    return info.split()[0].lower() if info else ""


def fenced_blocks(document: Document) -> list[Region]:
    """Every fenced block of the page, in order."""
    return sorted(LEXER(document), key=lambda region: region.start)


def parse(document: Document) -> Iterator[Region]:
    """Sybil's parser: one region per Python block, with the output block after it if any."""
    blocks = fenced_blocks(document)
    for i, region in enumerate(blocks):
        if language(region) not in PYTHON:
            continue
        end, expected = region.end, None
        after = blocks[i + 1] if i + 1 < len(blocks) else None
        if (
            after is not None
            and language(after) == OUTPUT
            and not document.text[region.end : after.start].strip()
        ):
            end, expected = after.end, str(after.lexemes["source"])
        line = document.text.count("\n", 0, region.start) + 2  # the line after the fence
        block = Block(str(region.lexemes["source"]), line, expected)
        yield Region(region.start, end, parsed=block, evaluator=evaluate)


def printed_comments(source: str) -> dict[int, str]:
    """Line number → the comment that ends it, for every line of ``source`` with one."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return {t.start[0]: t.string[1:].strip() for t in tokens if t.type == tokenize.COMMENT}


def is_print(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Call)
        and isinstance(statement.value.func, ast.Name)
        and statement.value.func.id == "print"
    )


def run(block: Block, namespace: dict[str, Any], filename: str) -> tuple[str, list[str]]:
    """Run the block statement by statement; return its output and the print lines that lied."""
    padded = "\n" * (block.line - 1) + block.source
    comments = printed_comments(padded)
    output, wrong = io.StringIO(), []
    with contextlib.redirect_stdout(output):
        for statement in ast.parse(padded, filename).body:
            code = compile(ast.Module([statement], type_ignores=[]), filename, "exec")
            before = output.tell()
            exec(code, namespace)
            shown = comments.get(statement.end_lineno or statement.lineno)
            if is_print(statement) and shown is not None:
                printed = output.getvalue()[before:].rstrip("\n")
                if "\n" not in printed and printed != shown:
                    wrong.append(
                        f"line {statement.lineno}: the comment says {shown!r}, "
                        f"the line printed {printed!r}"
                    )
    return output.getvalue(), wrong


def normalised(text: str) -> list[str]:
    """The lines of ``text`` without trailing spaces, and without blank lines at the end."""
    return "\n".join(line.rstrip() for line in text.splitlines()).rstrip("\n").split("\n")


def evaluate(example: Example) -> str | None:
    """Sybil's evaluator: None when the block runs and shows what it prints, else why not."""
    block: Block = example.parsed
    printed, wrong = run(block, example.namespace, str(example.path))
    if block.expected is not None and normalised(printed) != normalised(block.expected):
        diff = difflib.unified_diff(
            normalised(block.expected), normalised(printed), "shown", "printed", lineterm=""
        )
        wrong.append("the output block differs from what the block prints:\n" + "\n".join(diff))
    if wrong:
        return f"{example.path}, the block at line {block.line}:\n" + "\n".join(wrong)
    return None


def unknown_languages(document: Document) -> Iterable[tuple[int, str]]:
    """(line, language) of every fenced block that is neither run nor a known kind of text."""
    for region in fenced_blocks(document):
        name = language(region)
        if name not in PYTHON | NOT_RUN:
            yield document.text.count("\n", 0, region.start) + 1, name
