"""The pure core: the law and the rules as stdlib-only functions and frozen dataclasses.

No I/O, no clock, no framework imports; time, rule sets and limits come in as arguments.
Import the modules directly (`zhichao.domain.judge`, `zhichao.domain.limits`, …).
"""
