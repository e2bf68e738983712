"""Atheris harness for the `reddit` importer: `.venv/bin/python fuzz/fuzz_reddit.py -max_total_time=60`."""

from _harness import main

if __name__ == "__main__":
    main("reddit")
