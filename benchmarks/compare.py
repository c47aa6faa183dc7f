"""One devintel command, timed whole under two checkouts in alternation (A/B), medians.

    python benchmarks/compare.py OLD_CHECKOUT OLD_STATE NEW_CHECKOUT NEW_STATE \\
        [--runs 7] -- risk --as-of 2026-06-01

Each run is ``python -m devintel_cli COMMAND…`` started in the checkout (``-m`` puts the
working directory first on ``sys.path``: started anywhere else, a checkout's own
``devintel_cli`` could lose to the one there or to the installed one) with ``DEVINTEL_HOME``
set to its state directory, A then B, ``--runs`` times, so that a machine that
speeds up or slows down during the measurement shifts both sides alike (on a shared VM the
same command can take 1.3x as long an hour later). ``--a-python``/``--b-python`` run a side
under another environment's interpreter (default: this one), to compare dependency versions
on the same code: ``--a-python /tmp/typer29/bin/python``. Give each checkout a state directory its
schema can open: an older devintel refuses a database a newer one has migrated. Compile both
checkouts first (``python -m compileall -q CHECKOUT/devintel_cli``) when the environment
sets PYTHONDONTWRITEBYTECODE, or every run recompiles what changed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a_checkout", type=Path)
    parser.add_argument("a_state", type=Path)
    parser.add_argument("b_checkout", type=Path)
    parser.add_argument("b_state", type=Path)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--a-python", default=sys.executable, help="A's interpreter")
    parser.add_argument("--b-python", default=sys.executable, help="B's interpreter")
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    command = argv[split + 1 :] or ["--version"]  # devintel's arguments, after --
    sides = {
        "A": (args.a_checkout.resolve(), args.a_state.resolve(), args.a_python),
        "B": (args.b_checkout.resolve(), args.b_state.resolve(), args.b_python),
    }
    for checkout, _, _ in sides.values():
        if not (checkout / "devintel_cli" / "__init__.py").exists():
            parser.error(f"{checkout} is not a devintel checkout")
    times: dict[str, list[float]] = {side: [] for side in sides}
    for _ in range(args.runs):
        for side, (checkout, state, python) in sides.items():
            env = {**os.environ, "PYTHONPATH": str(checkout), "DEVINTEL_HOME": str(state)}
            started = time.perf_counter()
            done = subprocess.run(
                [python, "-m", "devintel_cli", *command],
                capture_output=True,
                env=env,
                cwd=checkout,
            )
            times[side].append(time.perf_counter() - started)
            if done.returncode != 0:
                sys.stderr.write(f"{side} failed ({done.returncode}): {done.stderr.decode()}\n")
                return 1
    print(f"devintel {' '.join(command)}  ({args.runs} runs each, alternating)")
    for side, (checkout, state, python) in sides.items():
        runs = times[side]
        print(
            f"  {side} {checkout} on {state} ({python}): median {statistics.median(runs):.3f} s,"
            f" min {min(runs):.3f} s"
        )
    ratio = statistics.median(times["B"]) / statistics.median(times["A"])
    print(f"  B / A = {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
