"""Development corpus generator and accuracy/speed benchmark harness for samplemind.

Nothing in here is imported by the ``samplemind`` package itself; see ``benchmarks/README.md``.
"""
