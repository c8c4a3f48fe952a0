"""The daily check of the audit log's hash chain, off the UI thread.

At the first start of a day (per data file, remembered in the user's settings) the window
verifies the audit log on a read-only second connection (:meth:`Store.reader`) on a Qt
pool thread, so the start is not slowed; a broken chain or a missing guard trigger is
shown as a warning naming the row. An intact log is not checked again that day; a broken
one is reported at every start until it is repaired (restored from a backup).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from PySide6.QtCore import QObject, QSettings, QThreadPool, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from ..core.settings import AUDIT_CHECKED_ON
from ..store import Store, StoreError
from ..store.audit_chain import ChainBreak
from . import user_settings

log = logging.getLogger(__name__)

TITLE = "审计日志校验"


def _file_part(store: Store) -> str:
    """The settings key part naming the data file (short, no path separators)."""
    where = str(store.path.resolve()) if store.path else ":memory:"
    return hashlib.sha256(where.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def verify(store: Store) -> ChainBreak | None:
    """Verify the chain on a reader of ``store`` (closed afterwards)."""
    reader = store.reader()
    try:
        return reader.audit.verify_chain()
    finally:
        if reader is not store:
            reader.close()


class _Relay(QObject):
    """Carries the answer to the UI thread (lives there, emitted from the pool)."""

    done = Signal(object)


class AuditChainCheck(QObject):
    """``start()`` once after the window shows; ``finished`` carries the ChainBreak or None."""

    finished = Signal(object)

    def __init__(
        self,
        store: Store,
        settings: QSettings,
        parent: QWidget,
        today: dt.date | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.settings = settings
        self.window = parent
        self.today = (today or dt.date.today()).isoformat()
        self.warning: QMessageBox | None = None
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay()  # no parent: a running check keeps it alive
        self._relay.done.connect(self._delivered)

    def due(self) -> bool:
        checked = user_settings.read(self.settings, AUDIT_CHECKED_ON, file=_file_part(self.store))
        return checked != self.today

    def start(self) -> bool:
        """Start the check if it is due today; True when started."""
        if not self.due():
            return False
        relay = self._relay
        self._pool.start(lambda: self._run(relay))
        return True

    def _run(self, relay: _Relay) -> None:
        try:
            result: object = verify(self.store)
        except StoreError as exc:  # e.g. the file went away: not a broken chain
            log.warning("审计日志校验未能进行：%s", exc)
            result = exc
        except Exception:  # a bug in the background must reach the log, not kill the pool
            log.exception("audit chain check failed")
            return
        relay.done.emit(result)

    def _delivered(self, result: object) -> None:
        if isinstance(result, StoreError):
            return
        if result is None:
            user_settings.write(
                self.settings, AUDIT_CHECKED_ON, self.today, file=_file_part(self.store)
            )
        elif isinstance(result, ChainBreak):
            log.error("审计日志校验失败：%s", result.reason)
            self._warn(result)
        self.finished.emit(result)

    def _warn(self, broken: ChainBreak) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            TITLE,
            f"{broken.message}\n\n数据文件：{self.store.path or '内存数据库'}\n"
            "审计日志记录着谁在何时改了什么，它被改动后，无法再证明数据的修改过程。"
            "请区管理员核实，并从修改之前的备份恢复。",
            QMessageBox.StandardButton.Ok,
            self.window,
        )
        self.warning = box
        box.open()  # not modal to the start: the window stays usable

    def wait(self) -> None:
        self._pool.waitForDone()
