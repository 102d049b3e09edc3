"""Reproducible refits of the weights in ``samplemind.analysis.{tempo,loop,key}``.

Each module reads corpora written by :mod:`benchmarks.corpus`, extracts features through the
production code in ``samplemind`` and prints the fitted weights as a Python literal ready to paste
into the analyzer, plus the accuracy on every corpus. See ``benchmarks/README.md``.
"""
