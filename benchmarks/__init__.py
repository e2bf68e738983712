"""Benchmarks: `make bench` (or `python -m benchmarks`) prints the figures; nothing here is asserted."""
