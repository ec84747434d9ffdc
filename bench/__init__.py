"""Benchmarks (issue 5): engine turn cost and memory; each script runs its own baseline and prints ratios."""
