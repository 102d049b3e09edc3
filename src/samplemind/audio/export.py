"""Export samples under new names: name patterns, and copy / hard-link / symlink into a folder.

:func:`render_name` turns a pattern such as ``{type}_{bpm}_{key}_{name}`` and a sample's fields
into a file name that is safe on Windows, macOS and Linux; :func:`export_files` puts files into a
destination folder under such names, one outcome per file, never stopping the batch for one
file's failure and never replacing anything unless asked.

Example:
    >>> render_name("{type}_{bpm}_{key}_{name}", {"type": "loop", "bpm": 127.6, "key": "A minor",
    ...                                          "name": "dusty keys", "ext": "wav"})
    'loop_128_Am_dusty keys.wav'
    >>> render_name("{type}_{bpm}_{key}_{name}", {"type": "kick", "name": "808", "ext": "wav"})
    'kick_808.wav'
    >>> render_name("{name}", {"name": "CON"})
    '_CON'
"""

from __future__ import annotations

import errno
import logging
import math
import os
import re
import shutil
import string
import unicodedata
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from samplemind.domain.music import MusicalKey
from samplemind.errors import AudioError, AudioNotFoundError, ConfigError, SampleMindError

__all__ = [
    "MAX_NAME_BYTES",
    "NAME_FIELDS",
    "ExportMode",
    "ExportOutcome",
    "export_files",
    "render_name",
    "safe_file_name",
]

log = logging.getLogger(__name__)

ExportMode = Literal["copy", "link", "symlink"]

#: Fields a name pattern may use.
NAME_FIELDS: tuple[str, ...] = (
    "name",  # the source file's stem
    "ext",  # its extension without the dot
    "type",  # sample type, e.g. "kick", "loop"
    "bpm",  # tempo, rounded to a whole number
    "key",  # short key name, e.g. "Am", "F#"
    "camelot",  # Camelot code, e.g. "8A"
    "root",  # root note of a one-shot, e.g. "F#2"
    "dur",  # duration, e.g. "1.5s"
    "id",  # library id
    "index",  # position in the export batch
)
#: Longest file name produced, in UTF-8 bytes (ext4, APFS and NTFS allow 255).
MAX_NAME_BYTES = 200

_SEPARATORS = " _-."
#: Stand-ins while rendering: a missing value, and the extension (placed last).
_EMPTY = "\x00"
_EXT = "\x01"
_SEP = f"[{re.escape(_SEPARATORS)}]"
# Runs of missing values and the separators around them; the dot before the extension stays.
_EMPTY_RUN = re.compile(f"(?:{_SEP}*{_EMPTY})+(?:{_SEP}(?!{_EXT}))*")
_UNSAFE = re.compile(r'[<>:"/\\|?*]')
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{base}{n}" for base in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")}
)
_MAX_EXT_CHARS = 16
_FALLBACK_NAME = "untitled"
#: Hard-link errors that mean "not here" (another device, a filesystem without hard links, a
#: protected-hardlinks policy), after which the file is copied instead.
_LINK_FALLBACK_ERRNOS = frozenset(
    code
    for code in (
        errno.EXDEV,
        errno.EPERM,
        errno.EMLINK,
        errno.ENOSYS,
        getattr(errno, "ENOTSUP", None),
        getattr(errno, "EOPNOTSUPP", None),
    )
    if code is not None
)


def render_name(pattern: str, fields: Mapping[str, object]) -> str:
    """Fill ``pattern`` with ``fields`` and make the result a safe file name.

    Missing fields (absent, None or empty) render as nothing and take one neighbouring separator
    with them (``{type}_{bpm}_{name}`` without a BPM gives ``kick_808``, not ``kick__808``).
    Values are formatted for names: ``bpm`` rounded (127.6 → ``128``), ``key`` short (a
    :class:`~samplemind.domain.MusicalKey` or any text it parses → ``Am``), ``camelot`` from a key
    or as given, ``dur`` in seconds (1.5 → ``1.5s``). Format specs work on present values
    (``{index:03d}``). A pattern without ``{ext}`` gets ``.ext`` appended when ``ext`` is given.

    The result has no path separators, control characters or characters Windows forbids
    (``<>:"/\\|?*``; each becomes ``_``), no leading dot or trailing dots and spaces, no reserved
    Windows device name (``CON``, ``com1.wav``: prefixed with ``_``), is NFC-normalised, at most
    :data:`MAX_NAME_BYTES` bytes of UTF-8 (the stem is shortened, the extension kept), and never
    empty (``untitled``).

    Args:
        pattern: Text with ``{field}`` placeholders from :data:`NAME_FIELDS`.
        fields: Values by field name; extra keys are ignored.

    Returns:
        The file name (no folder).

    Raises:
        ConfigError: the pattern is malformed or names an unknown field (the message lists the
            valid ones), or a format spec does not fit its value.

    Example:
        >>> render_name("{index:03d} {name}", {"index": 7, "name": "snare/rim", "ext": "aif"})
        '007 snare_rim.aif'
    """
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        raise ConfigError(f"malformed name pattern {pattern!r}: {exc}") from None
    pieces: list[str] = []
    ext = _clean(_field_text("ext", fields.get("ext"), "")).replace(_EMPTY, "")
    mentions_ext = False
    for literal, field, spec, conversion in parsed:
        pieces.append(_clean(literal))
        if field is None:
            continue
        if field not in NAME_FIELDS:
            valid = ", ".join(NAME_FIELDS)
            raise ConfigError(f"unknown name field {field!r} in {pattern!r}; valid: {valid}")
        if conversion:
            raise ConfigError(f"conversions (!{conversion}) are not supported in name patterns")
        if field == "ext" and not spec:
            mentions_ext = True
            pieces.append(_EXT if ext else _EMPTY)
        else:
            pieces.append(_clean(_field_text(field, fields.get(field), spec or "")))
    if not mentions_ext and ext:
        pieces.append("." + _EXT)
    text = _EMPTY_RUN.sub(_join_gap, "".join(pieces))
    if text.endswith("." + _EXT):
        return safe_file_name(text[:-2].replace(_EXT, ext), ext)
    return safe_file_name(text.replace(_EXT, ext), None)


def _field_text(field: str, value: object, spec: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return _EMPTY
    if isinstance(value, float) and not math.isfinite(value):
        return _EMPTY
    shown: object = value
    if field == "bpm" and isinstance(value, int | float):
        shown = round(value)
    elif field in {"key", "camelot"}:
        key = _as_key(value)
        if key is not None:
            shown = key.short_name if field == "key" else key.camelot
    elif field == "dur" and isinstance(value, int | float) and not spec:
        shown = f"{value:.2f}".rstrip("0").rstrip(".") + "s"
    elif field == "ext" and isinstance(value, str):
        shown = value.lstrip(".")
    try:
        rendered = format(shown, spec)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"format spec {spec!r} does not fit {field}={value!r}: {exc}") from None
    return rendered if rendered.strip() else _EMPTY


def _as_key(value: object) -> MusicalKey | None:
    if isinstance(value, MusicalKey):
        return value
    if isinstance(value, str):
        try:
            return MusicalKey.parse(value)
        except ValueError:
            return None
    return None


def _join_gap(match: re.Match[str]) -> str:
    """What replaces missing values: the separators before them, nothing at either end."""
    text, start, end = match.string, match.start(), match.end()
    if start == 0 or end == len(text) or text[end:] == "." + _EXT:
        return ""
    return match.group(0).split(_EMPTY, 1)[0]


def _clean(text: str) -> str:
    """Printable text without our stand-ins: controls become ``_``, odd spaces a space."""
    if text in {_EMPTY, _EXT} or text.isprintable():
        return text
    return "".join(
        char if char.isprintable() else " " if unicodedata.category(char) == "Zs" else "_"
        for char in text
    )


def safe_file_name(text: str, ext: str | None = None) -> str:
    """``text`` (a stem, or a whole name when ``ext`` is None) made safe, with ``.ext``.

    Example:
        >>> safe_file_name("../../etc/passwd")
        '_._._etc_passwd'
        >>> safe_file_name("CON.wav")
        '_CON.wav'
    """
    text = unicodedata.normalize("NFC", text.replace(_EMPTY, ""))
    stem = text
    if ext is None:
        head, dot, tail = text.rpartition(".")
        tail = tail.strip()
        if dot and head.strip(" .") and 0 < len(tail) <= _MAX_EXT_CHARS and " " not in tail:
            stem, ext = head, tail
        else:
            ext = ""
    stem = _UNSAFE.sub("_", stem).strip(" ")
    if stem.startswith("."):
        stem = "_" + stem[1:]
    ext = _UNSAFE.sub("_", unicodedata.normalize("NFC", ext))[:_MAX_EXT_CHARS].strip(" .")
    suffix = f".{ext}" if ext else ""
    budget = MAX_NAME_BYTES - len(suffix.encode())
    stem = _cut(stem, budget) or _FALLBACK_NAME
    if stem.split(".")[0].strip(" ").upper() in _RESERVED:
        stem = _cut("_" + stem, budget)
    return stem + suffix


def _cut(stem: str, budget: int) -> str:
    """At most ``budget`` bytes of UTF-8, on a character boundary, no trailing dots or spaces."""
    return stem.encode()[:budget].decode(errors="ignore").rstrip(" .")


@dataclass(frozen=True)
class ExportOutcome:
    """What happened to one file of an export.

    Attributes:
        source: The file asked for.
        target: Where it now is in the destination (None when it failed).
        mode: How it got there: ``"copy"`` also when a hard link fell back to a copy.
        fell_back: A hard link was asked for but impossible (another device or filesystem
            without hard links), so the file was copied.
        replaced: An existing file at ``target`` was replaced (only with ``overwrite=True``).
        error: Why it failed: :class:`~samplemind.errors.AudioNotFoundError` for a missing
            source, :class:`~samplemind.errors.ConfigError` for an unsafe name,
            :class:`~samplemind.errors.AudioError` for anything the filesystem refused.
    """

    source: Path
    target: Path | None
    mode: ExportMode | None
    fell_back: bool = False
    replaced: bool = False
    error: SampleMindError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def message(self) -> str:
        """One line for people: ``"a.wav -> out/kick (2).wav (copied; hard link impossible)"``."""
        if self.error is not None:
            return f"{self.source}: {self.error.message}"
        verbs = {"copy": "copied", "link": "hard-linked", "symlink": "symlinked"}
        notes = [verbs[self.mode or "copy"]]
        if self.fell_back:
            notes.append("hard link impossible")
        if self.replaced:
            notes.append("replaced an existing file")
        return f"{self.source} -> {self.target} ({'; '.join(notes)})"


def export_files(
    items: Sequence[tuple[Path, str]],
    dest: Path,
    *,
    mode: ExportMode = "copy",
    overwrite: bool = False,
) -> list[ExportOutcome]:
    """Copy, hard-link or symlink each ``source`` to ``dest / new_name``.

    * ``copy``: :func:`shutil.copy2` (data and timestamps).
    * ``link``: a hard link; across devices or on filesystems without hard links the file is
      copied instead and the outcome says ``fell_back``.
    * ``symlink``: a link to the source's absolute path.

    Names that are taken, by an existing entry or earlier in this batch (compared ignoring case,
    as Windows and macOS do), get `` (2)``, `` (3)``... before the extension, unless
    ``overwrite`` is True, which replaces existing files (never directories, never the source
    itself). Every file lands by an atomic create or rename inside ``dest``, so a symlink already
    at a target name is replaced, never written through. A name with a path separator, ``.`` or
    ``..`` is refused, so nothing is written outside ``dest``. Failures (missing source,
    permissions, a full disk) are recorded in the outcome and the batch goes on.

    Args:
        items: ``(source, new_name)`` pairs; ``new_name`` is a bare file name, e.g. from
            :func:`render_name`.
        dest: The destination folder; created if missing.
        mode: ``"copy"``, ``"link"`` or ``"symlink"``.
        overwrite: Replace files already at a target name instead of choosing a free name.

    Returns:
        One :class:`ExportOutcome` per item, in order.

    Raises:
        ConfigError: an unknown ``mode``, or ``dest`` cannot be created or is not a folder.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     src = Path(tmp, "a.wav")
        ...     _ = src.write_bytes(b"RIFF")
        ...     outcomes = export_files([(src, "kick.wav"), (src, "kick.wav")], Path(tmp, "out"))
        ...     [o.target.name for o in outcomes if o.target]
        ['kick.wav', 'kick (2).wav']
    """
    if mode not in ("copy", "link", "symlink"):
        raise ConfigError(f"unknown export mode {mode!r}; valid: copy, link, symlink")
    try:
        dest.mkdir(parents=True, exist_ok=True)
        root = dest.resolve(strict=True)
    except OSError as exc:
        raise ConfigError(f"cannot use {dest} as the export folder: {_reason(exc)}") from exc
    if not root.is_dir():
        raise ConfigError(f"export destination {dest} is not a folder")
    taken: set[str] = set()
    outcomes: list[ExportOutcome] = []
    for source, new_name in items:
        try:
            outcome = _export_one(Path(source), new_name, root, mode, overwrite, taken)
        except SampleMindError as exc:
            outcome = ExportOutcome(Path(source), None, None, error=exc)
        if outcome.error is not None:
            log.info("export failed: %s", outcome.message)
        outcomes.append(outcome)
    return outcomes


def _export_one(
    source: Path, new_name: str, root: Path, mode: ExportMode, overwrite: bool, taken: set[str]
) -> ExportOutcome:
    _check_name(new_name)
    if not source.exists():
        raise AudioNotFoundError(f"{source}: no such file")
    if not source.is_file():
        raise AudioNotFoundError(f"{source}: not a regular file")
    for name in _candidates(new_name):
        key = unicodedata.normalize("NFC", name).casefold()
        if key in taken:
            continue
        target = root / name
        if target.parent != root:  # pragma: no cover - _check_name already refuses this
            raise ConfigError(f"{new_name!r} would leave the export folder")
        exists = os.path.lexists(target)
        if exists and (not overwrite or (target.is_dir() and not target.is_symlink())):
            continue
        if exists and _same_file(source, target):
            raise ConfigError(f"{target} is the source itself; not replacing it")
        taken.add(key)
        try:
            used, fell_back, placed = _place(source, target, mode, replace=exists)
        except OSError as exc:
            raise AudioError(f"{source.name}: cannot export to {target}: {_reason(exc)}") from exc
        if not placed:  # somebody created the name meanwhile: try the next one
            continue
        return ExportOutcome(source, target, used, fell_back=fell_back, replaced=exists)
    raise AudioError(f"{source.name}: no free name for {new_name!r}")  # pragma: no cover


def _check_name(name: str) -> None:
    if (
        not name
        or name in {".", ".."}
        or "/" in name
        or "\\" in name
        or "\x00" in name
        or Path(name).is_absolute()
        or Path(name).name != name
    ):
        raise ConfigError(f"unsafe export name {name!r}: a bare file name is required")


def _candidates(name: str) -> list[str]:
    path = Path(name)
    stem, suffix = (path.stem, path.suffix) if path.stem else (name, "")
    return [name, *(f"{stem} ({n}){suffix}" for n in range(2, 10_000))]


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _place(
    source: Path, target: Path, mode: ExportMode, *, replace: bool
) -> tuple[ExportMode, bool, bool]:
    """Put ``source`` at ``target``: ``(mode used, fell back, placed)``.

    With ``replace`` the entry is made at a temporary name and renamed over ``target``
    (:func:`os.replace` is atomic and replaces a symlink rather than following it). Without, the
    name is claimed atomically (``link`` and ``symlink`` fail on an existing name, a copy first
    creates its file exclusively), and ``placed`` is False when somebody took it meanwhile.
    """
    if mode == "symlink":
        absolute = source.absolute()
        return mode, False, _make(target, replace, lambda path: os.symlink(absolute, path))
    if mode == "link":
        try:
            return mode, False, _make(target, replace, lambda path: os.link(source, path))
        except OSError as exc:
            if exc.errno not in _LINK_FALLBACK_ERRNOS:
                raise
            log.debug("hard link %s -> %s impossible (%s); copying", source, target, exc)
            return "copy", True, _copy(source, target, replace)
    return "copy", False, _copy(source, target, replace)


def _make(target: Path, replace: bool, make: Callable[[Path], object]) -> bool:
    if not replace:
        try:
            make(target)
        except FileExistsError:
            return False
        return True
    tmp = target.with_name(f".{uuid.uuid4().hex}.samplemind-export")
    try:
        make(tmp)
        os.replace(tmp, target)
    finally:
        _remove_quietly(tmp)
    return True


def _copy(source: Path, target: Path, replace: bool) -> bool:
    if not replace:
        # Claim the name first, so a file created meanwhile by someone else is never replaced.
        try:
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        except FileExistsError:
            return False
    try:
        _make(target, True, lambda path: shutil.copy2(source, path))
    except BaseException:
        if not replace:
            _remove_quietly(target)
        raise
    return True


def _remove_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as exc:  # pragma: no cover - best effort cleanup
        log.warning("could not remove %s: %s", path, exc)


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__
