"""Atheris harness for the `instagram-graphql` importer: `.venv/bin/python fuzz/fuzz_instagram_graphql.py -max_total_time=60`."""

from _harness import main

if __name__ == "__main__":
    main("instagram-graphql")
