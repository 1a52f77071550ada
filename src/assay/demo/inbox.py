"""The demo's reading inbox (issue 16): this week's arXiv cs.LG listing, saved in the
demo's folder as arXiv publishes it (RSS 2.0), imported into the inbox and triaged by
the team: two papers sent to a first pass (one with its pass 1 recorded), one linked to
a technique on the radar, two skipped with the reason, one left for tomorrow's scan;
FlashAttention, already a paper, is counted as a duplicate rather than added.

:func:`inbox_step` runs after the research step (FlashAttention is a paper by then)
and uses only the workspace's public services.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from assay.demo.context import DemoContext
from assay.workspace import Workspace

__all__ = ["FEED", "inbox_step"]

FEED = "arxiv-cs.LG.rss"

# (arXiv id, title, authors, the abstract's first sentence)
_LISTING = (
    ("2309.06180", "Efficient Memory Management for Large Language Model Serving with "
     "PagedAttention", "Woosuk Kwon, Zhuohan Li, Siyuan Zhuang, Ying Sheng, Lianmin Zheng",
     "High throughput serving of large language models requires batching many requests."),
    ("2305.13245", "GQA: Training Generalized Multi-Query Transformer Models from Multi-Head "
     "Checkpoints", "Joshua Ainslie, James Lee-Thorp, Michiel de Jong",
     "Multi-query attention, which only uses a single key-value head, speeds up decoding."),
    ("2211.17192", "Fast Inference from Transformers via Speculative Decoding",
     "Yaniv Leviathan, Matan Kalman, Yossi Matias",
     "Inference from large autoregressive models like Transformers is slow."),
    ("2312.00752", "Mamba: Linear-Time Sequence Modeling with Selective State Spaces",
     "Albert Gu, Tri Dao",
     "Foundation models are almost universally based on the Transformer architecture."),
    ("2305.18290", "Direct Preference Optimization: Your Language Model is Secretly a Reward "
     "Model", "Rafael Rafailov, Archit Sharma, Eric Mitchell",
     "We introduce a new parameterization of the reward model in RLHF."),
    ("2310.01889", "Ring Attention with Blockwise Transformers for Near-Infinite Context",
     "Hao Liu, Matei Zaharia, Pieter Abbeel",
     "Transformers have emerged as the architecture of choice for many AI models."),
    ("2205.14135", "FlashAttention: Fast and Memory-Efficient Exact Attention with "
     "IO-Awareness", "Tri Dao, Daniel Y. Fu, Stefano Ermon, Atri Rudra, Christopher Ré",
     "Transformers are slow and memory-hungry on long sequences."),
)  # fmt: skip


def _rss(ctx: DemoContext) -> str:
    day = f"{ctx.today:%a, %d %b %Y} 00:00:00 -0500"
    items = "".join(
        f"<item><title>{escape(title)}</title><link>https://arxiv.org/abs/{ident}</link>"
        f"<description>arXiv:{ident}v1 Announce Type: new Abstract: {escape(abstract)}"
        f'</description><guid isPermaLink="false">oai:arXiv.org:{ident}v1</guid>'
        f"<pubDate>{day}</pubDate><dc:creator>{escape(authors)}</dc:creator></item>\n"
        for ident, title, authors, abstract in _LISTING
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<rss xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"><channel>\n'
        "<title>cs.LG updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.LG</link>\n"
        f"{items}</channel></rss>\n"
    )


def inbox_step(ws: Workspace, ctx: DemoContext) -> None:
    """This week's listing imported and triaged by the team."""
    path = ctx.root / FEED
    path.write_text(_rss(ctx), encoding="utf-8")
    ws.user = "Priya"
    done = ws.inbox.import_feed(str(path), source="arXiv cs.LG")
    ids = {item.arxiv_id: item.id for item in done.added}
    inbox = ws.inbox
    ws.user = "Marco"
    inbox.triage(
        ids["2309.06180"],
        pass1=True,
        claim="a paged KV cache removes fragmentation, for 2-4x serving throughput",
        why="the paper behind the PagedAttention we run; worth its ablations",
    )
    inbox.triage(ids["2211.17192"], technique="Speculative decoding", why="the source paper")
    ws.user = "Aiko"
    inbox.triage(ids["2305.13245"], pass1=True, assign="Sam")
    inbox.triage(ids["2312.00752"], skip="state-space models are not on our serving stack")
    ws.user = "Sam"
    inbox.triage(ids["2305.18290"], skip="preference tuning belongs to the alignment team")
    ctx.log.append(
        f"inbox: {len(done.added)} items from arXiv cs.LG ({len(done.duplicates)} already a "
        "paper), 5 triaged (2 to pass 1, 1 to the radar, 2 skipped), 1 left to triage; "
        "see: assay inbox, assay cadence, assay inbox digest"
    )
