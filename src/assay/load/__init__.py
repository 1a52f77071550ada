"""The open-loop load generator behind ``assay load`` (docs/load.md).

Execution layer, a sibling of :mod:`assay.bench`: it sends HTTP traffic to a service
on a seeded arrival schedule and times every request from the moment it was *meant*
to be sent, so a stalled server cannot hide its stall by slowing the client down
(coordinated omission). Its third-party dependencies (aiohttp, uvloop, hdrhistogram)
are the ``load`` extra and are imported only where a run needs them.
"""
