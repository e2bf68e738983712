"""Atheris harness for the `tiktok` importer: `.venv/bin/python fuzz/fuzz_tiktok.py -max_total_time=60`."""

from _harness import main

if __name__ == "__main__":
    main("tiktok")
