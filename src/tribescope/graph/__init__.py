"""Graph statistics on networkit over edge lists reduced in the engine."""

from tribescope.graph._commenters import commenter_graph_edges, commenter_graph_stats, graph_stats_from_edges

__all__ = ["commenter_graph_edges", "commenter_graph_stats", "graph_stats_from_edges"]
