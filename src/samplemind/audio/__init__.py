"""Audio files in, :class:`AudioSignal` out."""

from samplemind.audio.decode import decode, probe
from samplemind.audio.discover import discover
from samplemind.audio.formats import SUPPORTED_EXTENSIONS, is_supported
from samplemind.audio.signal import AudioSignal

__all__ = ["SUPPORTED_EXTENSIONS", "AudioSignal", "decode", "discover", "is_supported", "probe"]
