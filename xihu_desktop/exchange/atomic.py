"""Write files under a temporary name and rename them into place.

A crash or a full disk never leaves a truncated file under the real name. The
temporary file is ``.<name>.<8 random characters>.part`` in the target's folder
(:data:`TEMP_RE`; a crash leaves it behind, the next start removes it from the data
folder: :func:`xihu_desktop.store.connection.clean_orphans`).

A target that exists and is not a regular file is never replaced: a character device
(``/dev/null``, a printer port) is written to directly once the file is complete; a
FIFO, socket, block device or folder is refused (:class:`NotAFile`). A symbolic link
is followed: its target is replaced, the link stays. Errors come out as
:class:`OSError` whose ``strerror`` is a Chinese sentence (a full disk, no permission,
a read-only medium), also when the writing library wrapped them (xlsxwriter's
``FileCreateError``).
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import shutil
import stat
import sys
import tempfile
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

TEMP_SUFFIX = ".part"

_REASONS = {
    errno.ENOSPC: "磁盘空间已满，请清理磁盘后重试",
    errno.EDQUOT: "磁盘配额已满，请清理后重试",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.EROFS: "所在磁盘或文件夹是只读的",
    errno.EISDIR: "这是一个文件夹",
    errno.ENOENT: "文件夹不存在",
}


class NotAFile(OSError):
    """``--out`` names something that is not a regular file and cannot be written to."""


def _os_error(exc: BaseException) -> OSError | None:
    """The OSError behind ``exc`` (itself, one of its arguments or its cause)."""
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        item = todo.pop(0)
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, OSError) and item.errno is not None:
            return item
        todo += [*item.args, item.__cause__]
    return None


def write_error(exc: BaseException, dest: str | Path) -> OSError:
    """``exc`` (or the OSError it wraps) as an OSError with a Chinese ``strerror``."""
    found = _os_error(exc)
    if found is None:
        return OSError(errno.EIO, f"写入失败（{exc}）", str(dest))
    reason = _REASONS.get(found.errno or 0, found.strerror or str(found))
    return OSError(found.errno, reason, str(dest))


def _release(exc: BaseException) -> None:
    """Drop the writer's frames held by ``exc``'s tracebacks, quietly.

    A writer that failed half-way (xlsxwriter's zip file on a full disk) leaves an
    open file in its frame; collected later, its ``__del__`` fails again and prints
    “Exception ignored …” after our one-line message. Collect it now, silently.
    """
    hook = sys.unraisablehook

    def quiet(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, OSError):
            hook(unraisable)

    sys.unraisablehook = quiet
    try:
        todo: list[object] = [exc]
        while todo:
            item = todo.pop()
            if isinstance(item, BaseException):
                if item.__traceback__ is not None:
                    traceback.clear_frames(item.__traceback__.tb_next or item.__traceback__)
                todo += [*item.args, item.__cause__, item.__context__]
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "文件夹"
    if stat.S_ISFIFO(mode):
        return "命名管道（FIFO）"
    if stat.S_ISSOCK(mode):
        return "套接字"
    if stat.S_ISBLK(mode):
        return "块设备"
    if stat.S_ISCHR(mode):
        return "字符设备"
    return "特殊文件"


def _target(dest: Path) -> tuple[Path, bool]:
    """The path to write (symlinks followed) and whether it is a character device."""
    real = Path(os.path.realpath(dest))
    try:
        mode = real.stat().st_mode
    except FileNotFoundError:
        return real, False
    kind = _kind(mode)
    if kind is None:
        return real, False
    if stat.S_ISCHR(mode):
        return real, True
    raise NotAFile(
        errno.EINVAL, f"“{dest}”是{kind}，不是普通文件，未写入也未替换它，请另选文件名", str(dest)
    )


def normal_mode() -> int:
    """The mode a new file of the user gets: 0o666 less the umask (0644 for umask 022)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_path(dest: str | Path) -> Iterator[Path]:
    """Yield a temporary path in ``dest``'s folder; on success it replaces ``dest``.

    Usage: ``with atomic_path(out) as tmp: workbook.save(tmp)``. A character device is
    written to instead of replaced (the complete file is copied into it).
    """
    dest = Path(dest)
    target, device = _target(dest)
    folder = Path(tempfile.gettempdir()) if device else target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=folder)
    except OSError as exc:
        raise write_error(exc, dest) from exc
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if device:
            with tmp.open("rb") as src, target.open("wb") as out:
                shutil.copyfileobj(src, out)
        else:
            with tmp.open("rb") as fh:
                os.fsync(fh.fileno())
            os.chmod(tmp, normal_mode())  # mkstemp made it 0600; a file is the user's
            os.replace(tmp, target)
    except NotAFile:
        raise
    except Exception as exc:
        if _os_error(exc) is None:
            raise  # a bug or a refusal of the writer, not the file system
        error = write_error(exc, dest)
        _release(exc)
        raise error from None
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_bytes(dest: str | Path, data: bytes) -> Path:
    with atomic_path(dest) as tmp:
        tmp.write_bytes(data)
    return Path(dest)
