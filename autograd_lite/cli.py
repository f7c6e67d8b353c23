"""The command line: ``autograd-lite graph EXPR --at NAME=VALUE ... -o FILE``.

The expression language, its grammar and why nothing in an expression can run are
:mod:`autograd_lite.expression`; this module is the argparse front end around it, which turns
every refusal into one line on stderr.

Exit status: 0 on success; 141 (128 + SIGPIPE, quietly) when the reader of stdout went
away, as in ``autograd-lite graph ... | head -1``; 2 when the input is at fault (a refused
expression, an unknown variable, a malformed ``--at``, a value outside an op's domain, a graph
above ``--max-nodes``, an unknown output suffix); 1 when the environment is (``dot`` missing,
the file not writable, ``dot`` past its time limit)."""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from autograd_lite import __version__
from autograd_lite.checks import clip, shown
from autograd_lite.derivation import Explanation, explain
from autograd_lite.expression import CONSTANTS, FUNCTIONS, MANY, RESERVED, ExpressionError, parse
from autograd_lite.render import DEFAULT_TIMEOUT, FORMATS, RANKDIRS, DotNotFoundError, render_graph
from autograd_lite.value import Value

EPILOG = f"""\
expression: numbers, the constants {" ".join(CONSTANTS)}, variables (each given a value with
  --at NAME=VALUE), + - * / ** with Python's precedence (^ is **, as the pictures draw a power:
  -x^2 is -(x^2)), unary - and +, brackets, the functions of one argument
  {" ".join(FUNCTIONS)},
  and {" and ".join(MANY)} of two or more arguments, max(a, b, ...).
  Nothing else is accepted, and nothing is ever eval'd. The grammar is written out once, in
  the module autograd_lite.expression: python -m pydoc autograd_lite.expression

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

step by step:
  autograd-lite graph "x*y + x" --at x=2 y=3 --explain
  prints the derivation instead of the table: each node's value, forward; then, backward,
  each node adding its gradient times the local derivative to each operand. -o page.html
  writes it as a page to click through (one offline file). --wrt x keeps only the nodes
  between x and the result, for a large expression.
"""


# The options; any other argument starting with '-' (bar a prefix of a long one, which argparse
# accepts) is taken for an expression when parsing fails.
_OPTIONS = frozenset({"-h", "--help", "--version", "--at", "-o", "--output", "--rankdir"})
_OPTIONS |= {"--color-by-grad", "--no-grad", "--max-nodes", "--timeout", "--explain", "--wrt"}


class UsageError(Exception):
    """Something the user typed is not accepted; the message says what, in one line."""


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is a :class:`UsageError` (one line, exit 2) instead of sys.exit."""

    def error(self, message: str) -> NoReturn:
        # argparse quotes what was typed ("invalid choice: '...'"): clip it like our messages.
        raise UsageError(f"{clip(message, 300)} (see {self.prog} --help)")


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
    print(f"autograd-lite: error: {clip(message, 500)}", file=sys.stderr)


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
        epilog=EPILOG,
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
        "-o",
        "--output",
        metavar="FILE",
        help=f"write the graph here: {' '.join(FORMATS)}, or .html for the step-by-step page",
    )
    graph.add_argument(
        "--explain", action="store_true", help="print backpropagation step by step, not the table"
    )
    graph.add_argument(
        "--wrt",
        nargs="+",
        default=None,
        metavar="NAME",
        help="with --explain or -o FILE.html: only the nodes between these variables and the "
        "result",
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
        if suffix not in FORMATS and suffix != ".html":
            raise UsageError(
                f"-o {_echo(args.output)}: unknown output format "
                f"{_echo(suffix) if suffix else '(no suffix)'}; "
                f"use one of {' '.join(FORMATS)} .html"
            )
    variables = parse_assignments(args.at)
    values = {name: Value(x, name) for name, x in variables.items()}
    result = _evaluate(args.expression, values)
    if not result.label:
        result.label = "out"
    try:
        result.backward()
    except ArithmeticError as error:
        raise UsageError(f"backward through {_echo(args.expression)}: {error}") from None
    except ValueError as error:
        raise UsageError(str(error)) from None

    explanation = _explanation(args, result, values)
    print(explanation if args.explain else _table(args.expression, result, values))
    if args.output is not None and explanation is not None and _is_page(args.output):
        try:
            page = explanation.to_html(args.output, timeout=args.timeout, max_nodes=args.max_nodes)
        except ValueError as error:
            raise UsageError(f"{error} (the command line option is --max-nodes)") from None
        print(f"wrote {page}")
    elif args.output is not None:
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


def _is_page(output: str) -> bool:
    return Path(output).suffix.lower() == ".html"


def _explanation(
    args: argparse.Namespace, result: Value, values: dict[str, Value]
) -> Explanation | None:
    """The derivation, when --explain or an .html output asks for it (of the --wrt variables)."""
    if not (args.explain or (args.output is not None and _is_page(args.output))):
        if args.wrt is not None:
            raise UsageError("--wrt needs --explain or an -o FILE.html")
        return None
    wrt = None
    if args.wrt is not None:
        unknown = [name for name in args.wrt if name not in values]
        if unknown:
            raise UsageError(f"--wrt {_echo(unknown[0])}: not a variable given with --at")
        wrt = [values[name] for name in args.wrt]
    return explain(result, wrt=wrt)


def _evaluate(source: str, values: dict[str, Value]) -> Value:
    """The expression ``source`` at ``values``, as a Value; every way it can fail, a UsageError.

    The language's refusals get the command line's pointers (``--help``, ``--at``); an
    expression with no variable, or a variable given but not used, is refused here.
    """
    try:
        expression = parse(source)
        result = expression.evaluate(values)
    except ExpressionError as error:
        if error.refused:
            raise UsageError(f"{error}; see --help for the expression grammar") from None
        if error.unknown is not None:
            raise UsageError(f"{error}: give its value with --at NAME=VALUE") from None
        raise UsageError(str(error)) from None
    except ArithmeticError as error:  # DomainError is a ValueError, and is caught below
        raise UsageError(f"{_echo(source)}: {error}") from None
    except ValueError as error:
        raise UsageError(str(error)) from None
    if not isinstance(result, Value):
        raise UsageError(f"{_echo(source)} has no variables: there is nothing to differentiate")
    unused = [name for name in values if name not in expression.variables]
    if unused:
        raise UsageError(
            f"--at {_echo(unused[0])}: this variable does not appear in the expression"
        )
    return result


def parse_assignments(items: Sequence[str]) -> dict[str, float]:
    """``["x=2", "w=-3"]`` → ``{"x": 2.0, "w": -3.0}``; a :class:`UsageError` names a bad item."""
    variables: dict[str, float] = {}
    for item in items:
        name, equals, text = item.partition("=")
        name = name.strip()
        if not equals or not name.isidentifier():
            raise UsageError(f"--at {_echo(item)}: expected NAME=VALUE with NAME a variable name")
        if name in RESERVED:
            what = "a constant" if name in CONSTANTS else "a function"
            raise UsageError(f"--at {_echo(item)}: {name} is {what}, not a variable name")
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


def _echo(text: str) -> str:
    """What a message shows of something the user typed: quoted, one line, clipped."""
    return shown(" ".join(text.split()))


def _table(expression: str, result: Value, values: dict[str, Value]) -> str:
    rows = [(name, v.data, v.grad) for name, v in values.items()]
    width = max(8, *(len(name) for name, _, _ in rows))
    lines = [
        f"{clip(expression, 70)} = {result.data:.12g}",
        f"{'variable':<{width}}  {'value':>20}  {'gradient':>20}",
    ]
    lines += [f"{name:<{width}}  {data:>20.12g}  {grad:>20.12g}" for name, data, grad in rows]
    return "\n".join(lines)
