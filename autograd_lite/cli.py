"""The command line: ``autograd-lite graph EXPR --at NAME=VALUE ... -o FILE``.

The expression is parsed with :mod:`ast` and checked node by node against a whitelist, then
evaluated by walking the checked tree ourselves; it is never handed to ``eval`` or ``exec``, so
nothing in it can run. The whitelist is the grammar printed by ``--help``::

    expr := number | name | expr OP expr | -expr | +expr | FUNC(expr) | (expr)
    OP   := + - * / **
    FUNC := exp log sqrt tanh sigmoid relu sin cos abs

Anything else (attribute access, subscripts, strings, lambdas, comprehensions, keyword or
starred arguments, calls of any other name) is refused with a one-line message naming it.
Constant sub-expressions are folded in floats with the engine's checks, so ``9 ** 9 ** 9``
is an overflow error, not a billion-digit integer.

Exit status: 0 on success; 141 (128 + SIGPIPE, quietly) when the reader of stdout went
away, as in ``autograd-lite graph ... | head -1``; 2 when the input is at fault (a refused
expression, an unknown variable, a malformed ``--at``, a value outside an op's domain, a graph
above ``--max-nodes``, an unknown output suffix); 1 when the environment is (``dot`` missing,
the file not writable, ``dot`` past its time limit)."""

from __future__ import annotations

import argparse
import ast
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, cast

from autograd_lite import __version__
from autograd_lite.checks import shown
from autograd_lite.render import DEFAULT_TIMEOUT, FORMATS, RANKDIRS, DotNotFoundError, render_graph
from autograd_lite.value import Value, cos, exp, log, relu, sigmoid, sin, sqrt, tanh

#: The functions an expression may call, each of one positional argument.
FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "exp": exp,
    "log": log,
    "sqrt": sqrt,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "relu": relu,
    "sin": sin,
    "cos": cos,
    "abs": abs,
}

#: Longer expressions are refused before parsing: the parser's time and memory stay small.
MAX_LENGTH = 10_000

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}

# What the refusal message calls each construct that is not in the grammar.
_NAMES: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Slice: "slices",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "generator expressions",
    ast.JoinedStr: "f-strings",
    ast.FormattedValue: "f-strings",
    ast.NamedExpr: "assignment expressions (:=)",
    ast.Starred: "starred arguments",
    ast.Compare: "comparisons",
    ast.BoolOp: "and/or",
    ast.IfExp: "conditional expressions",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Set: "sets",
    ast.Dict: "dicts",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}
_OPERATOR_SYMBOLS: dict[type[ast.AST], str] = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^ (write powers as **)",
    ast.BitAnd: "&",
    ast.Not: "not",
    ast.Invert: "~",
}

GRAMMAR = """\
expression grammar (nothing else is accepted, and nothing is ever eval'd):
  expr := NUMBER | NAME | expr OP expr | -expr | +expr | FUNC(expr) | (expr)
  OP   := +  -  *  /  **          (Python precedence: ** binds tightest, right to left)
  FUNC := exp log sqrt tanh sigmoid relu sin cos abs   (one positional argument)
  NAME := a variable given a value with --at NAME=VALUE (every NAME needs one)

example:
  autograd-lite graph "tanh(w1*x1 + w2*x2 + b)" \\
      --at x1=2 x2=0 w1=-3 w2=1 b=6.8813735870195432 -o neuron.svg

  prints each variable's value and gradient d(expr)/d(variable) and writes the graph. Output
  formats by suffix: .svg .png .pdf (need Graphviz's dot; `make dot` installs it) and .dot/.gv.
  Leaves named like weights and biases (w, b, w1, b_2, ...) are drawn as parameters, the other
  variables as inputs. An expression starting with '-' goes last, after '--':
  autograd-lite graph --at x=1 y=2 -o f.svg -- "-x*y"

exit status: 0 done; 2 the input was refused or is outside an op's domain; 1 rendering failed;
  141 the reader of stdout went away (as in `| head -1`), quietly, as Unix tools do.
"""


# The options; any other argument starting with '-' (bar a prefix of a long one, which argparse
# accepts) is taken for an expression when parsing fails.
_OPTIONS = frozenset({"-h", "--help", "--version", "--at", "-o", "--output", "--rankdir"})
_OPTIONS |= {"--color-by-grad", "--no-grad", "--max-nodes", "--timeout"}


class UsageError(Exception):
    """Something the user typed is not accepted; the message says what, in one line."""


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is a :class:`UsageError` (one line, exit 2) instead of sys.exit."""

    def error(self, message: str) -> NoReturn:
        # argparse quotes what was typed ("invalid choice: '...'"): clip it like our messages.
        raise UsageError(f"{_clip(message, 300)} (see {self.prog} --help)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    parser = _build_parser()
    arguments = sys.argv[1:] if argv is None else list(argv)
    try:
        args = parser.parse_args(arguments)
        status = _graph(args)
        sys.stdout.flush()  # a closed pipe shows here, inside the try, not at exit
        return status
    except BrokenPipeError:
        return _closed_pipe()
    except UsageError as error:
        _fail(f"{error}{_dash_hint(arguments)}")
        return 2
    except (DotNotFoundError, OSError, RuntimeError) as error:
        _fail(str(error))
        return 1
    except SystemExit as done:  # --help and --version print, then argparse exits
        return done.code if isinstance(done.code, int) else 0


def _closed_pipe() -> int:
    """Exit quietly when the reader of stdout went away (``autograd-lite ... | head``).

    Like a Unix tool killed by SIGPIPE: no message, status 141 = 128 + SIGPIPE. stdout is
    pointed at /dev/null so the interpreter's own flush at exit cannot fail a second time.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 128 + 13  # SIGPIPE is 13 on every POSIX system; signal.SIGPIPE is absent on Windows


def _dash_hint(arguments: Sequence[str]) -> str:
    """A hint when an argument before ``--`` looks like an expression starting with '-'."""
    before = arguments[: arguments.index("--")] if "--" in arguments else arguments
    for argument in before:
        option = argument.partition("=")[0]
        known = option in _OPTIONS or (
            option.startswith("--") and any(o.startswith(option) for o in _OPTIONS)
        )
        if argument.startswith("-") and not known:
            return (
                "; an expression that starts with '-' goes last, after '--': "
                'autograd-lite graph --at x=1 y=2 -- "-x*y"'
            )
    return ""


def _fail(message: str) -> None:
    # The net under every message: whatever echoed input slipped through stays one short line.
    print(f"autograd-lite: error: {_clip(message, 500)}", file=sys.stderr)


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="autograd-lite",
        description="Draw and differentiate computation graphs of autograd-lite.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    graph = commands.add_parser(
        "graph",
        help="evaluate an expression, run backward, print the gradients, draw the graph",
        description=(
            "Evaluate EXPRESSION at the --at values, run backward from it, print a table of\n"
            "each variable's value and gradient, and write the computation graph to -o."
        ),
        epilog=GRAMMAR,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    graph.add_argument("expression", metavar="EXPRESSION", help="e.g. 'tanh(w*x + b)'")
    graph.add_argument(
        "--at",
        nargs="+",
        action="extend",
        default=[],
        metavar="NAME=VALUE",
        help="the value of each variable, e.g. --at x=2 w=-3 (may be repeated)",
    )
    graph.add_argument(
        "-o", "--output", metavar="FILE", help=f"write the graph here: {' '.join(FORMATS)}"
    )
    graph.add_argument("--rankdir", choices=RANKDIRS, default="LR")
    graph.add_argument(
        "--color-by-grad", action="store_true", help="fill nodes by log10|grad| (with a legend)"
    )
    graph.add_argument("--no-grad", action="store_true", help="leave gradients out of the nodes")
    graph.add_argument("--max-nodes", type=int, default=1000, metavar="N", help="default 1000")
    graph.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"stop dot after this long (default {DEFAULT_TIMEOUT:g})",
    )
    return parser


#: The variables drawn as parameters, as --help says: the course notes' names for a weight or a
#: bias (w, b, w1, b_2, W, weight, bias). The engine draws what it is told, so this is said here.
_PARAMETER_NAME = re.compile(r"(?:w|b|weight|bias)(?:[0-9_]\w*)?", re.IGNORECASE)


def _graph(args: argparse.Namespace) -> int:
    if args.output is not None:
        suffix = Path(args.output).suffix.lower()
        if suffix not in FORMATS:
            raise UsageError(
                f"-o {_echo(args.output)}: unknown output format "
                f"{_echo(suffix) if suffix else '(no suffix)'}; "
                f"use one of {' '.join(FORMATS)}"
            )
    variables = parse_assignments(args.at)
    tree = parse_expression(args.expression)
    values = {name: Value(x, name) for name, x in variables.items()}
    try:
        result = evaluate(tree, values)
    except ArithmeticError as error:  # DomainError is a ValueError, and is caught below
        raise UsageError(f"{_echo(args.expression)}: {error}") from None
    except ValueError as error:
        raise UsageError(str(error)) from None
    if not isinstance(result, Value):
        raise UsageError(
            f"{_echo(args.expression)} has no variables: there is nothing to differentiate"
        )
    used = _names(tree)  # one walk for all the variables, not one per variable
    unused = [name for name in values if name not in used]
    if unused:
        raise UsageError(
            f"--at {_echo(unused[0])}: this variable does not appear in the expression"
        )
    if not result.label:
        result.label = "out"
    try:
        result.backward()
    except ArithmeticError as error:
        raise UsageError(f"backward through {_echo(args.expression)}: {error}") from None
    except ValueError as error:
        raise UsageError(str(error)) from None

    print(_table(args.expression, result, values))
    if args.output is not None:
        try:
            written = render_graph(
                result,
                args.output,
                rankdir=args.rankdir,
                show_grad=not args.no_grad,
                color_by="grad" if args.color_by_grad else None,
                max_nodes=args.max_nodes,
                timeout=args.timeout,
                params=[v for name, v in values.items() if _PARAMETER_NAME.fullmatch(name)],
            )
        except ValueError as error:
            option = "--timeout" if "timeout" in str(error) else "--max-nodes"
            raise UsageError(f"{error} (the command line option is {option})") from None
        print(f"wrote {written}")
    return 0


def parse_assignments(items: Sequence[str]) -> dict[str, float]:
    """``["x=2", "w=-3"]`` → ``{"x": 2.0, "w": -3.0}``; a :class:`UsageError` names a bad item."""
    variables: dict[str, float] = {}
    for item in items:
        name, equals, text = item.partition("=")
        name = name.strip()
        if not equals or not name.isidentifier():
            raise UsageError(f"--at {_echo(item)}: expected NAME=VALUE with NAME a variable name")
        if name in FUNCTIONS:
            raise UsageError(f"--at {_echo(item)}: {name} is a function, not a variable name")
        if name in variables:
            raise UsageError(f"--at {_echo(item)}: this variable is given twice")
        try:
            x = float(text)
        except ValueError:
            raise UsageError(f"--at {_echo(item)}: the value is not a number") from None
        if not math.isfinite(x):
            raise UsageError(f"--at {_echo(item)}: the value must be a finite number")
        variables[name] = x
    return variables


def parse_expression(source: str) -> ast.Expression:
    """The syntax tree of ``source`` if every node is in the grammar, else a UsageError.

    ``ast.parse`` only builds a tree, it runs nothing; the check then walks the tree with an
    explicit stack, so a deeply nested expression cannot exhaust Python's recursion limit.
    """
    if len(source) > MAX_LENGTH:
        raise UsageError(f"the expression is {len(source):,} characters long; the limit is 10,000")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        raise UsageError(f"{_clip(source)!r} is not a valid expression: {error.msg}") from None
    except (RecursionError, MemoryError):
        # CPython's parser gives up on deep trees (x+x+...+x, x**x**...**x, nested brackets)
        # with a RecursionError, or a MemoryError whose message is empty: say it ourselves.
        raise UsageError(
            "the expression cannot be parsed: it is nested too deeply for Python's parser "
            "(a chain of a few thousand operators or brackets); split it or use fewer terms"
        ) from None
    except (ValueError, OverflowError) as error:
        # An integer literal beyond Python's digit limit, or a null byte.
        reason = str(error) or type(error).__name__
        raise UsageError(f"the expression cannot be parsed: {reason}") from None
    stack: list[ast.AST] = [tree.body]
    while stack:
        node = stack.pop()
        _check(node, source)
        stack.extend(ast.iter_child_nodes(node))
    return tree


def _check(node: ast.AST, source: str) -> None:
    """Refuse ``node`` unless the grammar allows it (its children are checked separately)."""
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            kind = "strings" if isinstance(value, str | bytes) else f"{type(value).__name__}s"
            _refuse(kind, node, source)
        try:
            finite = math.isfinite(float(value))
        except OverflowError:
            finite = False
        if not finite:
            _refuse("numbers too large for a float", node, source)
    elif isinstance(node, ast.Name):
        if not isinstance(node.ctx, ast.Load):
            _refuse("assignments", node, source)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            symbol = _OPERATOR_SYMBOLS.get(type(node.op), type(node.op).__name__)
            _refuse(f"the operator {symbol}", node, source)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd):
            symbol = _OPERATOR_SYMBOLS.get(type(node.op), type(node.op).__name__)
            _refuse(f"the operator {symbol}", node, source)
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            _refuse("calls of anything but a function name", node, source)
        elif node.func.id not in FUNCTIONS:
            _refuse(
                f"calls of {node.func.id} (only {', '.join(FUNCTIONS)} may be called)", node, source
            )
        elif node.keywords:
            _refuse("keyword arguments", node.keywords[0], source)
        elif any(isinstance(a, ast.Starred) for a in node.args):
            _refuse("starred arguments", node, source)
        elif len(node.args) != 1:
            _refuse(f"{node.func.id} with {len(node.args)} arguments (it takes 1)", node, source)
    elif isinstance(node, ast.operator | ast.unaryop | ast.expr_context):
        pass  # checked with their BinOp, UnaryOp or Name
    else:
        _refuse(_NAMES.get(type(node), type(node).__name__), node, source)


def _refuse(what: str, node: ast.AST, source: str) -> NoReturn:
    segment = ast.get_source_segment(source, node)
    where = f" in {_clip(segment)!r}" if segment else ""
    raise UsageError(f"not allowed: {what}{where}; see --help for the expression grammar")


def _echo(text: str) -> str:
    """What a message shows of something the user typed: quoted, one line, clipped."""
    return shown(" ".join(text.split()))


def _clip(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _names(tree: ast.Expression) -> set[str]:
    """The variable names used in the expression (function names excluded)."""
    return {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id not in FUNCTIONS
    }


def evaluate(tree: ast.Expression, values: dict[str, Value]) -> Value | float:
    """The checked ``tree`` computed on ``values``: a Value recording the graph.

    A post-order walk with an explicit stack. Where every operand of an op is a number the op
    is done at once on a throw-away Value (constant folding with the engine's domain checks), so
    ``-2`` and ``1/2`` enter the graph as the constants -2 and 0.5.
    """
    results: list[Any] = []
    stack: list[tuple[ast.expr, bool]] = [(tree.body, False)]
    while stack:
        node, children_done = stack.pop()
        if isinstance(node, ast.Constant):
            results.append(float(cast(float, node.value)))  # checked: an int or a float
        elif isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                raise UsageError(f"{node.id} is a function: call it, as in {node.id}(x)")
            if node.id not in values:
                raise UsageError(
                    f"unknown variable {_echo(node.id)}: give its value with --at NAME=VALUE"
                )
            results.append(values[node.id])
        elif not children_done:
            stack.append((node, True))
            operands = _operands(node)
            stack.extend((child, False) for child in reversed(operands))
        elif isinstance(node, ast.BinOp):
            b = results.pop()
            a = results.pop()
            results.append(_fold(_BINARY[type(node.op)], a, b))
        elif isinstance(node, ast.UnaryOp):
            a = results.pop()
            results.append(_fold(lambda x: -x, a) if isinstance(node.op, ast.USub) else a)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            a = results.pop()
            results.append(_fold(FUNCTIONS[node.func.id], a))
        else:
            raise AssertionError(f"unchecked node {type(node).__name__}")  # parse_expression
    (result,) = results
    if isinstance(result, Value):
        return result
    return float(result)


def _operands(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    raise AssertionError(f"unchecked node {type(node).__name__}")  # parse_expression refused it


def _fold(op: Callable[..., Any], *operands: Any) -> Any:
    """``op(*operands)``; on numbers only, computed through a Value so the engine checks it."""
    if any(isinstance(x, Value) for x in operands):
        return op(*operands)
    first, *rest = operands
    result = op(Value(first), *rest)
    return float(result.data if isinstance(result, Value) else result)


def _table(expression: str, result: Value, values: dict[str, Value]) -> str:
    rows = [(name, v.data, v.grad) for name, v in values.items()]
    width = max(8, *(len(name) for name, _, _ in rows))
    lines = [
        f"{_clip(expression, 70)} = {result.data:.12g}",
        f"{'variable':<{width}}  {'value':>20}  {'gradient':>20}",
    ]
    lines += [f"{name:<{width}}  {data:>20.12g}  {grad:>20.12g}" for name, data, grad in rows]
    return "\n".join(lines)
