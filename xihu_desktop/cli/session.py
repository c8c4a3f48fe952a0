"""What every command shares: the session (who acts on which data file), the
declaration of a command, the ``--db`` argument and the error for bad input."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.enums import Role
from ..core.settings import PASSWORD, from_environment

if TYPE_CHECKING:
    from ..store import Store

# Who acts, when the administrator has turned login on: ``--user NAME`` with the
# password from the environment variable XIHU_PASSWORD (never on the command line).
PASSWORD_ENV = PASSWORD.key
ANONYMOUS = "命令行（未登录）"


class CliError(Exception):
    """Bad input on the command line: message for stderr, exit code 2."""


@dataclass
class Session:
    """One run of ``xihu``: who acts (``--user``) and the data file opened for them.

    In single-user mode the one-person office acts as administrator. With login on and
    no ``--user`` the store acts as a viewer: reading stays possible and the store's role
    rules refuse any write (``anonymous`` then adds a hint to the refusal).
    """

    user: str | None = None
    anonymous: bool = False
    store: Store | None = None  # while open() runs

    @contextmanager
    def open(
        self,
        path: Path,
        *,
        create: bool = False,
        admin: str | None = None,
        share_lock: bool = True,
        reading: bool = False,
    ) -> Iterator[Store]:
        """The data file at ``path`` with the session's user logged in, closed on leaving.

        Every command reads and writes the same way (the store's role rules decide what
        the user may change); only ``init`` may ``create`` a file that does not exist.
        ``admin`` names what only a logged-in administrator may do (listing users, a
        backup with the password hashes, the audit log, clearing a lock): anyone else is
        refused. ``share_lock=False`` leaves the lock record of a network share alone.
        ``reading``: a command that only reads: the file is opened without writing
        anything, and its integrity is checked only after a crash (not daily).
        """
        from ..store import Store

        if not create and not path.exists():
            raise CliError(f"数据文件“{path}”不存在。请先运行 xihu init --db {path}")
        store = Store.open(
            path,
            create=create,
            share_lock=share_lock,
            reading=reading,
            integrity="crash" if reading else "due",
        )
        if reading and self.user and store.users.login_required():
            store.close()  # a login records itself (failures, last login): open to write
            store = Store.open(path, share_lock=share_lock, integrity="crash")
        try:
            self.login(store)
            if admin is not None:
                store.require_admin(admin)
            self.store = store
            yield store
        finally:
            self.store = None
            store.close()

    def login(self, store: Store) -> None:
        """Act as the session's user if the data file requires a login."""

        if not store.users.login_required():
            return  # single-user mode: the one-person office acts as administrator
        if not self.user:
            # Reading stays possible; any write is refused by the store's role rules.
            store.act_as(ANONYMOUS, Role.VIEWER)
            self.anonymous = True
            return
        password = from_environment(PASSWORD)
        if password is None:
            raise CliError(
                f"登录模式已开启：请在环境变量 {PASSWORD_ENV} 中提供用户“{self.user}”的密码"
                "（不要把密码写在命令行上）。"
            )
        store.users.authenticate(self.user, password)


Configure = Callable[[argparse.ArgumentParser], None]
Handler = Callable[[argparse.Namespace, Session], int]


@dataclass(frozen=True)
class Command:
    """One sub-command: its name and help, its arguments, and what it does."""

    name: str
    help: str
    configure: Configure
    run: Handler


def registry(
    commands: list[Command],
) -> Callable[[str, str, Configure], Callable[[Handler], Handler]]:
    """A decorator ``@command(name, help, configure)`` that appends to ``commands``."""

    def command(name: str, help_text: str, configure: Configure) -> Callable[[Handler], Handler]:
        def register(func: Handler) -> Handler:
            commands.append(Command(name, help_text, configure, func))
            return func

        return register

    return command


def db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", required=True, type=Path, help="数据文件路径")
