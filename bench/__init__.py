"""Benchmarks (`make bench`): every figure is printed as a ratio to a bare FastAPI app of the same run."""
