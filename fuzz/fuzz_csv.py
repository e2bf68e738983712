"""Atheris harness for the `csv` importer: `.venv/bin/python fuzz/fuzz_csv.py -max_total_time=60`."""

from _harness import main

if __name__ == "__main__":
    main("csv")
