"""Benchmarks (issue 5); run from the repository root, e.g. `python -m bench.engine`. Each runs its own baseline."""
