"""Batch output of PDFs: join finished files into one and move staged files into place.

The combined 考核表 file of a year is the per-unit files joined page by page (each
sheet is laid out once, not a second time for the combined file). A batch is
written into a hidden staging folder first (:func:`staging_folder`) and moved into
place only once every file is complete (:func:`place`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .atomic import TEMP_SUFFIX, _target, atomic_path, write_error


class Merger:
    """Files joined one after the other (bookmarks kept), written by :meth:`write`.

    Parts may be added as they are finished (the batch export adds each sheet while
    the others are still being laid out), always in their final order."""

    def __init__(self) -> None:
        from pypdf import PdfWriter

        self.writer = PdfWriter()
        self.meta: dict[str, str] = {}

    def add(self, part: Path) -> None:
        from pypdf import PdfReader

        reader = PdfReader(part)
        if not self.meta and reader.metadata:
            self.meta = {str(k): str(v) for k, v in reader.metadata.items()}
        self.writer.append(reader, import_outline=True)

    def write(self, out: Path, title: str, keywords: str) -> int:
        """Write the joined file; returns its page count. The metadata is the first
        part's, with ``title`` and ``keywords`` (also the subject: the verification
        payloads of every sheet) replaced."""
        meta = dict(self.meta)
        meta.update({"/Title": title, "/Subject": keywords, "/Keywords": keywords})
        self.writer.add_metadata(meta)
        with out.open("wb") as fh:
            self.writer.write(fh)
        return len(self.writer.pages)


def staging_folder(out_dir: Path, name: str) -> Path:
    """A new hidden folder ``.<name>.<random>.part`` in ``out_dir`` (same disk as the
    targets, so placing a file is a rename)."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=TEMP_SUFFIX, dir=out_dir))
    except OSError as exc:
        raise write_error(exc, out_dir) from exc


def check_places(dests: Iterable[Path]) -> None:
    """Refuse before anything moves when a destination cannot be replaced (a folder,
    a FIFO …), so a batch is placed whole or not at all."""
    for dest in dests:
        _target(dest)


def place(staged: Path, dest: Path) -> None:
    """Move the complete file ``staged`` to ``dest`` atomically (as :func:`atomic_path`:
    a symbolic link's target is replaced, a folder or FIFO is refused)."""
    with atomic_path(dest) as tmp:
        try:
            os.replace(staged, tmp)
        except OSError:  # another disk (a link's target elsewhere): copy
            shutil.copyfile(staged, tmp)
