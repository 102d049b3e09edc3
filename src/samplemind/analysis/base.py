"""The analyzer contract and the registry that levels choose from.

An analyzer is a class with a ``name``, an integer ``version`` (bumped whenever its output can
change, so stored results say which algorithm made them: ``tempo@2``), the lowest ``level`` it runs
at, the names of analyzers whose outputs it reads (``after``), and ``analyze(ctx)`` returning the
value of the :class:`~samplemind.domain.AnalysisResult` field of the same name (or None).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from samplemind.analysis.context import AnalysisContext
from samplemind.domain.analysis import AnalysisLevel
from samplemind.errors import ConfigError

__all__ = ["Analyzer", "AnalyzerRegistry"]


class Analyzer(ABC):
    """One analysis step. Subclasses set the class variables and implement :meth:`analyze`."""

    name: ClassVar[str]
    version: ClassVar[int]
    level: ClassVar[AnalysisLevel]
    after: ClassVar[tuple[str, ...]] = ()

    @property
    def ident(self) -> str:
        """``"tempo@2"``."""
        return f"{self.name}@{self.version}"

    @abstractmethod
    def analyze(self, ctx: AnalysisContext) -> Any:
        """Return this analyzer's output (the result field named ``self.name``), or None."""


class AnalyzerRegistry:
    """An ordered set of analyzers; ``for_level`` picks and orders those a level runs.

    Example:
        >>> from samplemind.analysis.registry import default_registry
        >>> reg = default_registry()
        >>> [a.name for a in reg.for_level(AnalysisLevel.BASIC)]
        ['loudness', 'silence']
    """

    def __init__(self, analyzers: Iterable[Analyzer]) -> None:
        self._by_name: dict[str, Analyzer] = {}
        for analyzer in analyzers:
            if analyzer.name in self._by_name:
                raise ConfigError(f"analyzer {analyzer.name!r} registered twice")
            self._by_name[analyzer.name] = analyzer
        self._order = self._topological_order()

    @property
    def names(self) -> list[str]:
        return list(self._order)

    def get(self, name: str) -> Analyzer:
        """The analyzer called ``name``.

        Raises:
            ConfigError: listing the valid names.
        """
        try:
            return self._by_name[name]
        except KeyError:
            raise ConfigError(
                f"unknown analyzer {name!r}; valid: {', '.join(sorted(self._by_name))}"
            ) from None

    def for_level(
        self, level: AnalysisLevel, *, only: Iterable[str] | None = None
    ) -> Sequence[Analyzer]:
        """Analyzers at or below ``level``, dependencies first.

        Args:
            level: The analysis level.
            only: Run just these analyzers and what they depend on (``after``, transitively);
                names above ``level`` are left out. None runs the whole level.

        Raises:
            ConfigError: an unknown name in ``only``.

        Example:
            >>> from samplemind.analysis.registry import default_registry
            >>> reg = default_registry()
            >>> [a.name for a in reg.for_level(AnalysisLevel.STANDARD, only=["silence"])]
            ['silence']
        """
        chosen = [n for n in self._order if self._by_name[n].level <= level]
        if only is None:
            return [self._by_name[n] for n in chosen]
        needed: set[str] = set()
        stack = [self.get(name).name for name in only]
        while stack:
            name = stack.pop()
            if name not in needed:
                needed.add(name)
                stack.extend(self._by_name[name].after)
        return [self._by_name[n] for n in chosen if n in needed]

    def versions(self, level: AnalysisLevel) -> dict[str, int]:
        """``{name: version}`` of the analyzers ``level`` runs: what a stored result must hold."""
        return {a.name: a.version for a in self.for_level(level)}

    def _topological_order(self) -> list[str]:
        order: list[str] = []
        state: dict[str, int] = {}

        def visit(name: str, chain: tuple[str, ...]) -> None:
            if state.get(name) == 2:
                return
            if state.get(name) == 1:
                raise ConfigError(f"analyzer dependency cycle: {' -> '.join((*chain, name))}")
            state[name] = 1
            for dep in self.get(name).after:
                if self.get(dep).level > self.get(name).level:
                    raise ConfigError(f"{name} runs at a lower level than {dep}, which it needs")
                visit(dep, (*chain, name))
            state[name] = 2
            order.append(name)

        for name in self._by_name:
            visit(name, ())
        return order
