"""The library façade every delivery layer uses (CLI, API, MCP)."""

from samplemind.library.library import IndexStatus, Library, open_library
from samplemind.library.pipeline import ScanOptions, ScanProgress

__all__ = ["IndexStatus", "Library", "ScanOptions", "ScanProgress", "open_library"]
