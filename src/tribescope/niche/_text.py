"""Text documents per creator and per post, assembled in the engine.

A creator's document is everything written about the creator's content: post titles, captions,
hashtags (each as ``#tag``), and the texts of comments under the creator's posts. The same
assembly feeds the topic model and the niche-category classifier, in training and in use.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from tribescope.store import Workspace

__all__ = ["creator_documents", "post_documents", "workspace_tables"]

#: Comments per post that go into a document (the first page is what exports usually hold anyway).
MAX_COMMENTS_PER_POST = 50


def workspace_tables(ws: Workspace) -> tuple[ir.Table, ir.Table | None]:
    """``posts`` and (when present) ``comments`` of a workspace."""
    posts = ws.table("posts")
    comments = ws.table("comments") if ws.has_table("comments") else None
    return posts, comments


def _post_text(posts: ir.Table) -> ir.Table:
    tags = posts.hashtags.map(lambda h: "#" + h).join(" ")
    text = posts.title.fill_null("").concat(" ", posts.caption.fill_null(""), " ", tags.fill_null("")).strip()
    return posts.select("platform", "post_id", "creator_id", post_text=text)


def _comment_text(posts: ir.Table, comments: ir.Table) -> ir.Table:
    """Per post: the texts of up to MAX_COMMENTS_PER_POST comments (earliest first), joined by spaces."""
    c = comments.filter(comments.text.notnull())
    w = ibis.window(group_by=[c.platform, c.post_id], order_by=[c.created_at, c.comment_id])
    c = c.mutate(_rn=ibis.row_number().over(w)).filter(lambda t: t._rn < MAX_COMMENTS_PER_POST)
    return c.group_by(["platform", "post_id"]).agg(comment_text=c.text.group_concat(" "))


def post_documents(posts: ir.Table, comments: ir.Table | None = None) -> ir.Table:
    """``(platform, post_id, creator_id, document)``: title, caption, #hashtags and comment texts of each post."""
    p = _post_text(posts)
    if comments is None:
        return p.select("platform", "post_id", "creator_id", document=p.post_text)
    ct = _comment_text(posts, comments)
    j = p.left_join(ct, ["platform", "post_id"])
    doc = j.post_text.concat(" ", j.comment_text.fill_null("")).strip()
    return j.select("platform", "post_id", "creator_id", document=doc)


def creator_documents(posts: ir.Table, comments: ir.Table | None = None) -> ir.Table:
    """``(platform, creator_id, document, n_posts)``: the creator's post documents joined by newlines."""
    d = post_documents(posts, comments)
    return d.group_by(["platform", "creator_id"]).agg(
        document=d.document.group_concat("\n"), n_posts=d.post_id.nunique()
    )
