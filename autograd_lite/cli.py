"""The command line: ``autograd-lite graph EXPR --at NAME=VALUE ... -o FILE`` and
``autograd-lite check EXPR --grad NAME=EXPR ... [--at NAME=VALUE ...]``.

The expression language, its grammar and why nothing in an expression can run are
:mod:`autograd_lite.expression`; this module is the argparse front end around it, which turns
every refusal into one line on stderr.

Exit status: 0 on success; 141 (128 + SIGPIPE, quietly) when the reader of stdout went
away, as in ``autograd-lite graph ... | head -1``; 2 when the input is at fault (a refused
expression, an unknown variable, a malformed ``--at``, a value outside an op's domain, a graph
above ``--max-nodes``, an unknown output suffix); 1 when the environment is (``dot`` missing,
the file not writable, ``dot`` past its time limit). ``check`` exits with 0 when every partial
derivative given agrees with the engine's, 1 when one differs, 2 when the input is refused."""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from autograd_lite import __version__
from autograd_lite.checks import clip, shown
from autograd_lite.derivation import Explanation, explain
from autograd_lite.derivation_check import check_derivation
from autograd_lite.expression import FUNCTIONS, Expression, ExpressionError, parse
from autograd_lite.formula import Formula
from autograd_lite.render import DEFAULT_TIMEOUT, FORMATS, RANKDIRS, DotNotFoundError, render_graph
from autograd_lite.symbolic import symbolic_grad
from autograd_lite.value import Value

EPILOG = f"""\
expression: numbers, variables (each given a value with --at NAME=VALUE), + - * / ** with
  Python's precedence, unary - and +, brackets, and the functions of one argument
  {" ".join(FUNCTIONS)}.
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

as formulas:
  autograd-lite graph "x*sin(y) + exp(x)" --at x=2 y=3 --symbolic
  also prints each derivative as the formula the rule table writes (simplified by SymPy too,
  when it is installed: pip install 'autograd-lite[symbolic]'), beside its value.

to check your own derivatives: autograd-lite check --help
"""

CHECK_EPILOG = """\
example:
  autograd-lite check "x*sin(y) + exp(x)" --grad x="sin(y) + exp(x)" --grad y="x*cos(y)"

  compares your partial derivatives with the engine's at 20 random points in [-2, 2] (the same
  every run: --seed), or at the points given, one --at per point:
  autograd-lite check "x*y" --grad x=y y=x --at x=2 y=3 --at x=-1 y=0.5
  and prints a table. Points where the expression is outside its domain are skipped (random
  ones replaced). The expressions are in the language of `autograd-lite graph --help`; nothing
  else is ever evaluated.

exit status: 0 every partial agrees; 1 one differs (the first is named); 2 the input was
  refused, or one of your partials has no value at a point where the expression has.
"""


# The options; any other argument starting with '-' (bar a prefix of a long one, which argparse
# accepts) is taken for an expression when parsing fails.
_OPTIONS = frozenset({"-h", "--help", "--version", "--at", "-o", "--output", "--rankdir"})
_OPTIONS |= {"--color-by-grad", "--no-grad", "--max-nodes", "--timeout", "--explain", "--wrt"}
_OPTIONS |= {"--symbolic", "--grad", "--samples", "--seed", "--low", "--high", "--rtol", "--atol"}


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
        status = _check(args) if args.command == "check" else _graph(args)
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
        description="Draw and differentiate computation graphs of autograd-lite, and check "
        "derivatives derived by hand.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_graph(commands.add_parser)
    _add_check(commands.add_parser)
    return parser


def _add_graph(add_parser: Callable[..., argparse.ArgumentParser]) -> None:
    graph = add_parser(
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
    graph.add_argument(
        "--symbolic", action="store_true", help="also print each derivative as a formula"
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


def _add_check(add_parser: Callable[..., argparse.ArgumentParser]) -> None:
    check = add_parser(
        "check",
        help="check partial derivatives you derived against the engine's",
        description=(
            "Compare your partial derivative of EXPRESSION by each variable (--grad) with the\n"
            "engine's, at random points or at the points given (--at), and print a table."
        ),
        epilog=CHECK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("expression", metavar="EXPRESSION", help="e.g. 'x*sin(y) + exp(x)'")
    check.add_argument(
        "--grad",
        nargs="+",
        action="extend",
        default=[],
        metavar="NAME=EXPR",
        help="your derivative by the variable NAME, e.g. --grad y='x*cos(y)'; one per variable",
    )
    check.add_argument(
        "--at",
        nargs="+",
        action="append",
        default=None,
        metavar="NAME=VALUE",
        help="a point, each variable's value: --at x=2 y=3 (repeat --at for more points)",
    )
    check.add_argument(
        "--samples", type=int, default=20, metavar="N", help="how many random points (20)"
    )
    check.add_argument("--seed", type=int, default=0, help="of the random points (default 0)")
    check.add_argument("--low", type=float, default=-2.0, help="lowest random value (-2)")
    check.add_argument("--high", type=float, default=2.0, help="highest random value (2)")
    check.add_argument(
        "--rtol",
        type=float,
        default=1e-6,
        help="they agree where |engine - yours| <= atol + rtol*|engine| (1e-6)",
    )
    check.add_argument("--atol", type=float, default=1e-9, help="(default 1e-9)")


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
    formulas = _formulas(result, values) if args.symbolic and not args.explain else None
    print(explanation if args.explain else _table(args.expression, result, values, formulas))
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
    try:
        return explain(result, wrt=wrt, symbolic=args.symbolic)
    except ValueError as error:  # a graph too large to write as formulas
        raise UsageError(str(error)) from None


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


def _echo(text: str) -> str:
    """What a message shows of something the user typed: quoted, one line, clipped."""
    return shown(" ".join(text.split()))


def _table(
    expression: str,
    result: Value,
    values: dict[str, Value],
    formulas: list[Formula] | None = None,
) -> str:
    rows = [(name, v.data, v.grad) for name, v in values.items()]
    width = max(8, *(len(name) for name, _, _ in rows))
    lines = [
        f"{clip(expression, 70)} = {result.data:.12g}",
        f"{'variable':<{width}}  {'value':>20}  {'gradient':>20}",
    ]
    lines += [f"{name:<{width}}  {data:>20.12g}  {grad:>20.12g}" for name, data, grad in rows]
    if formulas is not None:
        lines.append("")
        for (name, _, grad), formula in zip(rows, formulas):
            lines.append(f"∂{result.label}/∂{name} = {formula} = {grad:.12g}")
            simplified = _simplified(formula)
            if simplified is not None:
                lines.append(f"{'':{len(result.label) + len(name) + 4}}= {simplified}   (SymPy)")
    return "\n".join(lines)


def _formulas(result: Value, values: dict[str, Value]) -> list[Formula]:
    """∂result/∂v of every variable as a formula (--symbolic); a refusal as a UsageError."""
    try:
        formulas: list[Formula] = symbolic_grad(result, list(values.values()))
    except ValueError as error:  # a graph too large to write as formulas
        raise UsageError(str(error)) from None
    return formulas


def _simplified(formula: Formula) -> str | None:
    """The formula as SymPy simplifies it, where SymPy is installed and it changes the text."""
    try:
        import sympy
    except ImportError:
        return None
    text = str(sympy.simplify(formula.sympy))
    return None if text == str(formula) else text


# --- check: your partial derivatives against the engine's --------------------------------------


def _check(args: argparse.Namespace) -> int:
    """Run ``check``; 0 if every partial agrees, 1 if one differs."""
    expression = _parsed(args.expression, "the expression")
    variables = expression.variables
    partials = _grads(args.grad, variables)
    points = None if args.at is None else [_point(group, variables) for group in args.at]
    try:
        report = check_derivation(
            args.expression,
            partials,
            at=points,
            samples=args.samples,
            seed=args.seed,
            low=args.low,
            high=args.high,
            rtol=args.rtol,
            atol=args.atol,
        )
    except (TypeError, ValueError) as error:
        raise UsageError(str(error)) from None
    print(report)
    return 0 if report else 1


def _parsed(source: str, what: str) -> Expression:
    try:
        return parse(source)
    except ExpressionError as error:
        hint = "; see autograd-lite graph --help for the expression grammar"
        raise UsageError(f"{what}: {error}{hint if error.refused else ''}") from None


def _grads(items: Sequence[str], variables: frozenset[str]) -> dict[str, str]:
    """``["x=sin(y)", ...]`` → ``{"x": "sin(y)"}``, one per variable of the expression."""
    grads: dict[str, str] = {}
    for item in items:
        name, equals, source = item.partition("=")
        name = name.strip()
        if not equals or not name.isidentifier():
            raise UsageError(f"--grad {_echo(item)}: expected NAME=EXPR with NAME a variable")
        if name not in variables:
            raise UsageError(f"--grad {_echo(item)}: {name} is not a variable of the expression")
        if name in grads:
            raise UsageError(f"--grad {_echo(item)}: this variable is given twice")
        unknown = sorted(_parsed(source, f"--grad {name}").variables - variables)
        if unknown:
            raise UsageError(
                f"--grad {_echo(item)}: {unknown[0]} is not a variable of the expression"
            )
        grads[name] = source
    missing = sorted(variables - set(grads))
    if missing:
        raise UsageError(
            f"no --grad for {missing[0]}: give your ∂/∂{missing[0]} as --grad {missing[0]}=EXPR"
        )
    return grads


def _point(group: Sequence[str], variables: frozenset[str]) -> dict[str, float]:
    """One --at group: a value for each variable of the expression, and nothing else."""
    point = parse_assignments(group)
    extra = sorted(set(point) - variables)
    if extra:
        raise UsageError(f"--at {extra[0]}=...: {extra[0]} is not a variable of the expression")
    missing = sorted(variables - set(point))
    if missing:
        raise UsageError(
            f"--at {_echo(' '.join(group))}: no value for {missing[0]}; each --at is a whole point"
        )
    return point
