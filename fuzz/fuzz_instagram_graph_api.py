"""Atheris harness for the `instagram-graph-api` importer: `.venv/bin/python fuzz/fuzz_instagram_graph_api.py -max_total_time=60`."""

from _harness import main

if __name__ == "__main__":
    main("instagram-graph-api")
