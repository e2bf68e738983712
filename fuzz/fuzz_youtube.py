"""Atheris harness for the `youtube` importer: `.venv/bin/python fuzz/fuzz_youtube.py -max_total_time=60`."""

from _harness import main

if __name__ == "__main__":
    main("youtube")
