"""``assay demo``: a realistic team workspace, built in steps on the public services.

At the surface layer, beside the CLI: :func:`build_demo` builds it
(:mod:`assay.demo.build`); the radar, research and decision steps live in their
own modules; the benchmark it runs is the shipped example :mod:`assay.demo_study`.
"""

from assay.demo.build import STEPS, build_demo
from assay.demo.context import DemoContext

__all__ = ["STEPS", "DemoContext", "build_demo"]
