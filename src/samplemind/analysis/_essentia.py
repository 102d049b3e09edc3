"""The one place Essentia is imported, with its chatty logging silenced.

``essentia.standard`` logs an INFO line to stdout while importing, which would corrupt
``--json`` output; the log switches must be flipped on the base module first.
"""

from __future__ import annotations

import essentia

essentia.log.infoActive = False
essentia.log.warningActive = False

import essentia.standard as es  # noqa: E402  (must follow the log switches)

__all__ = ["es"]
