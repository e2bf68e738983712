"""Atheris harness for the `instagram-kim` importer: `.venv/bin/python fuzz/fuzz_instagram_kim.py -max_total_time=60`."""

from _harness import main

if __name__ == "__main__":
    main("instagram-kim")
