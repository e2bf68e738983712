"""Atheris harness for the `discord` importer: `.venv/bin/python fuzz/fuzz_discord.py -max_total_time=60`."""

from _harness import main

if __name__ == "__main__":
    main("discord")
