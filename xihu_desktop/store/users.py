"""Users, roles and passwords (no Qt).

Roles: ``admin`` (区管理员), ``operator`` (填报员, bound to one unit), ``viewer`` (查看).
Passwords are stored only as salted scrypt hashes that carry their parameters
(``scrypt$n$r$p$salt$hash``), compared in constant time and re-hashed at the next
successful login when the parameters change. After repeated failures a user must
wait before the next attempt (an exponential pause kept in the database, so a
restart does not reset it). Whether login is required at all is the setting
``LOGIN_REQUIRED`` (default off: single-user mode, acting as the administrator).
"""

from __future__ import annotations

import base64
import builtins
import functools
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..core.enums import Role
from ..core.settings import IDLE_MINUTES, LOGIN_REQUIRED
from .changes import Changes
from .errors import InvalidData, NotFound, PermissionDenied, StoreError
from .manager import Manager
from .records import build, build_all, now

ROLES = {role.value: role.label for role in Role}

#: Failures allowed before the pause starts; then 2, 4, 8 … seconds, at most MAX_PAUSE.
FREE_FAILURES = 3
MAX_PAUSE = 15 * 60
MIN_PASSWORD = 6

Clock = Callable[[], float]


@dataclass(frozen=True)
class ScryptParams:
    n: int = 2**17
    r: int = 8
    p: int = 1

    @property
    def maxmem(self) -> int:
        # scrypt needs 128 * n * r * p bytes; OpenSSL's default limit (32 MiB) is too low.
        return max(256 * 1024 * 1024, 256 * self.n * self.r * self.p)


DEFAULT_PARAMS = ScryptParams()


class LoginFailed(StoreError):
    """Wrong name or password (the message never says which)."""


class LoginThrottled(LoginFailed):
    """Too many failures: ``wait`` seconds before the next attempt."""

    def __init__(self, message: str, wait: float) -> None:
        super().__init__(message)
        self.wait = wait


@dataclass
class User:
    """A user as the store knows it (never the password hash)."""

    id: int
    name: str
    role: str
    unit_id: int | None
    active: bool
    has_password: bool
    created_at: str
    last_login: str | None = None

    def __post_init__(self) -> None:
        self.active = bool(self.active)
        self.has_password = bool(self.has_password)

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)


# ---------------------------------------------------------------- hashing


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, params: ScryptParams | None = None) -> str:
    params = params or DEFAULT_PARAMS
    salt = os.urandom(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=params.n, r=params.r, p=params.p,
        maxmem=params.maxmem, dklen=32,
    )  # fmt: skip
    return f"scrypt${params.n}${params.r}${params.p}${_b64(salt)}${_b64(digest)}"


def _parse(encoded: str) -> tuple[ScryptParams, bytes, bytes] | None:
    try:
        scheme, n, r, p, salt, digest = encoded.split("$")
        if scheme != "scrypt":
            return None
        params = ScryptParams(int(n), int(r), int(p))
        if params.n < 2 or params.n & (params.n - 1) or params.n > 2**20 or params.r > 64:
            return None
        return params, base64.b64decode(salt), base64.b64decode(digest)
    except (ValueError, TypeError):
        return None


def verify_password(password: str, encoded: str | None) -> bool:
    """Constant-time check of ``password`` against a stored hash; False for no hash."""
    parsed = _parse(encoded or "")
    if parsed is None:
        return False
    params, salt, expected = parsed
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=params.n, r=params.r, p=params.p,
        maxmem=params.maxmem, dklen=len(expected),
    )  # fmt: skip
    import hmac  # not at start-up: only a login needs it

    return hmac.compare_digest(digest, expected)


def needs_rehash(encoded: str | None, params: ScryptParams | None = None) -> bool:
    parsed = _parse(encoded or "")
    return parsed is None or parsed[0] != (params or DEFAULT_PARAMS)


def pause_after(failures: int) -> float:
    """Seconds to wait after ``failures`` failed logins in a row."""
    if failures < FREE_FAILURES:
        return 0.0
    return float(min(2 ** (failures - FREE_FAILURES + 1), MAX_PAUSE))


# ---------------------------------------------------------------- users

_SELECT = (
    "SELECT id, name, role, unit_id, active, password_hash IS NOT NULL AS has_password, "
    "created_at, last_login FROM users"
)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidData(f"密码至少{MIN_PASSWORD}位")


@functools.lru_cache(maxsize=4)
def _dummy_hash(params: ScryptParams) -> str:
    """A stored hash no password matches, so that an unknown name costs one scrypt of the
    same parameters as a known one (made without running scrypt itself)."""
    return f"scrypt${params.n}${params.r}${params.p}${_b64(os.urandom(16))}${_b64(os.urandom(32))}"


#: How long failures under a name that is no user are remembered (seconds).
UNKNOWN_NAME_MEMORY = 30 * 24 * 3600
#: Who the audit log names for a failed login under a name that is no user (the typed
#: name is never kept: it may be a password typed into the wrong field).
UNKNOWN_NAME = "（未知用户名）"


def _name_key(name: str) -> str:
    """What the failure counter of a name that is no user is kept under (not the name)."""
    return hashlib.sha256(f"xihu-login\0{name}".encode()).hexdigest()


class UserManager(Manager):
    # ------------------------------------------------------------ login settings

    def login_required(self) -> bool:
        return self.store.settings.get(LOGIN_REQUIRED)

    def idle_minutes(self) -> int:
        return self.store.settings.get(IDLE_MINUTES)

    def set_login_required(self, required: bool) -> Changes:
        """Turn login on or off (administrator only). On needs an administrator with a password."""
        self._require_admin()
        if required and not any(
            u.role == Role.ADMIN and u.active and u.has_password for u in self.list()
        ):
            raise InvalidData("启用登录前，请先设置区管理员的用户名和密码")
        return self.store.settings.set(LOGIN_REQUIRED, bool(required))

    def set_idle_minutes(self, minutes: int) -> Changes:
        self._require_admin()
        if not 0 <= int(minutes) <= 24 * 60:
            raise InvalidData("自动锁定时间应在0–1440分钟之间（0表示不锁定）")
        return self.store.settings.set(IDLE_MINUTES, int(minutes))

    # ------------------------------------------------------------ users

    def list(self) -> builtins.list[User]:
        return build_all(User, self.store.rows(_SELECT + " ORDER BY role, name"))

    def find(self, name: str) -> User | None:
        rows = self.store.rows(_SELECT + " WHERE name = ?", (name.strip(),))
        return build(User, rows[0]) if rows else None

    def get(self, user_id: int) -> User:
        rows = self.store.rows(_SELECT + " WHERE id = ?", (user_id,))
        if not rows:
            raise NotFound(f"用户（编号{user_id}）不存在")
        return build(User, rows[0])

    def _require_admin(self) -> None:
        if self.store.role != Role.ADMIN:
            raise PermissionDenied("只有区管理员可以管理用户和登录设置")

    def _check_role(self, role: str, unit_id: int | None) -> None:
        if role not in ROLES:
            raise InvalidData(f"未知的角色：{role}")
        if role == Role.OPERATOR:
            if unit_id is None:
                raise InvalidData("填报员必须绑定一个责任单位")
            self.store.units.get(unit_id)  # NotFound if missing

    def _written(self) -> Changes:
        return self.store.noted(Changes(users=True))

    def create(
        self,
        name: str,
        role: str,
        unit_id: int | None = None,
        password: str | None = None,
        params: ScryptParams | None = None,
    ) -> Changes:
        self._require_admin()
        name = name.strip()
        if not name or len(name) > 50:
            raise InvalidData("用户名不能为空，且不超过50字")
        self._check_role(role, unit_id)
        if password is not None:
            _check_password(password)
        hashed = hash_password(password, params) if password is not None else None
        store = self.store
        with store.transaction():
            if self.find(name):
                raise InvalidData(f"用户名“{name}”已存在")
            cur = store.execute(
                "INSERT INTO users (name, role, unit_id, password_hash, active, created_at) "
                "VALUES (?, ?, ?, ?, 1, ?)",
                (name, role, unit_id if role == Role.OPERATOR else None, hashed, now()),
            )
            user_id = int(cur.lastrowid or 0)
            store.audit.record(
                "新增用户", field_key=f"users.{user_id}", new=f"{name}（{ROLES[role]}）"
            )
            return store.noted(Changes(users=True, created=(user_id,)))

    def update(
        self, user_id: int, *, role: str | None = None, unit_id: int | None = None
    ) -> Changes:
        self._require_admin()
        old = self.get(user_id)
        role = role or old.role
        unit_id = unit_id if unit_id is not None else old.unit_id
        self._check_role(role, unit_id)
        store = self.store
        with store.transaction():
            if old.role == Role.ADMIN and role != Role.ADMIN:
                self._keep_an_admin(user_id)
            store.execute(
                "UPDATE users SET role = ?, unit_id = ? WHERE id = ?",
                (role, unit_id if role == Role.OPERATOR else None, user_id),
            )
            store.audit.record(
                "修改用户",
                field_key=f"users.{user_id}.role",
                old=f"{old.role}/{old.unit_id}",
                new=f"{role}/{unit_id if role == Role.OPERATOR else None}",
            )
            return self._written()

    def _keep_an_admin(self, leaving_id: int) -> None:
        others = self.store.scalar(
            "SELECT count(*) FROM users WHERE role = ? AND active = 1 AND id != ? "
            "AND password_hash IS NOT NULL",
            (Role.ADMIN.value, leaving_id),
        )
        if not others and self.login_required():
            raise InvalidData("至少要保留一位可登录的区管理员")

    def set_active(self, user_id: int, active: bool) -> Changes:
        """Deactivate (or reactivate) a user; users are never deleted (the audit log names them)."""
        self._require_admin()
        old = self.get(user_id)
        store = self.store
        with store.transaction():
            if not active and old.role == Role.ADMIN:
                self._keep_an_admin(user_id)
            store.execute("UPDATE users SET active = ? WHERE id = ?", (1 if active else 0, user_id))
            store.audit.record(
                "启用用户" if active else "停用用户", field_key=f"users.{user_id}", new=old.name
            )
            return self._written()

    def set_password(
        self, user_id: int, password: str, params: ScryptParams | None = None
    ) -> Changes:
        """Set a password: the administrator for anyone, a user for themself."""
        user = self.get(user_id)
        store = self.store
        if store.role != Role.ADMIN and store.user != user.name:
            raise PermissionDenied("只能修改自己的密码")
        _check_password(password)
        hashed = hash_password(password, params)
        with store.transaction():
            store.execute(
                "UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL "
                "WHERE id = ?",
                (hashed, user_id),
            )
            store.audit.record("设置密码", field_key=f"users.{user_id}", new=user.name)
            return self._written()

    def authenticate(
        self,
        name: str,
        password: str,
        *,
        clock: Clock = time.time,
        params: ScryptParams | None = None,
    ) -> User:
        """Check a login. On success the store acts for the user from now on.

        Raises :class:`LoginThrottled` while a pause after repeated failures runs, and
        :class:`LoginFailed` for a wrong name or password or an inactive user.
        """
        store = self.store
        name = name.strip()
        params = params or DEFAULT_PARAMS
        rows = store.query(
            "SELECT id, password_hash, active, failed_logins, locked_until FROM users "
            "WHERE name = ?",
            (name,),
        )
        if rows:
            user_id, stored, active, failures, locked_until = rows[0]
        else:  # a name that is no user: the same counter and pause, kept under a hash
            user_id, stored, active = None, _dummy_hash(params), False
            failures, locked_until = self._unknown_failures(name)
        moment = clock()
        if locked_until is not None and moment < locked_until:
            wait = locked_until - moment
            raise LoginThrottled(f"密码错误次数过多，请在{int(wait) + 1}秒后重试", wait)
        ok = verify_password(password, stored) and user_id is not None  # one scrypt either way
        if ok and not active:
            raise LoginFailed(f"用户“{name}”已停用，请联系区管理员")
        with store.transaction():
            if not ok:
                failures += 1
                pause = pause_after(failures)
                until = moment + pause if pause else None
                if user_id is None:
                    self._note_unknown_failure(name, failures, until, moment)
                else:
                    store.execute(
                        "UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?",
                        (failures, until, user_id),
                    )
                who = name if user_id is not None else UNKNOWN_NAME
                store.audit.record("登录失败", field_key=f"第{failures}次", user=who)
            else:
                rehash = hash_password(password, params) if needs_rehash(stored, params) else stored
                store.execute(
                    "UPDATE users SET failed_logins = 0, locked_until = NULL, last_login = ?, "
                    "password_hash = ? WHERE id = ?",
                    (now(), rehash, user_id),
                )
                store.audit.record("登录", user=name)
            self._written()
        if not ok:
            pause = pause_after(failures)
            if pause:
                raise LoginThrottled(
                    f"用户名或密码错误。已连续失败{failures}次，请在{int(pause)}秒后重试", pause
                )
            raise LoginFailed("用户名或密码错误")
        user = self.get(user_id)
        store.act_as(user.name, user.role, user.unit_id)
        return user

    def _unknown_failures(self, name: str) -> tuple[int, float | None]:
        rows = self.store.query(
            "SELECT failures, locked_until FROM login_failures WHERE name_key = ?",
            (_name_key(name),),
        )
        return (int(rows[0][0]), rows[0][1]) if rows else (0, None)

    def _note_unknown_failure(
        self, name: str, failures: int, until: float | None, moment: float
    ) -> None:
        """Count a failure under a name that is no user (inside the login's transaction)."""
        store = self.store
        store.execute(
            "DELETE FROM login_failures WHERE last_failure < ?", (moment - UNKNOWN_NAME_MEMORY,)
        )
        store.execute(
            "INSERT INTO login_failures (name_key, failures, locked_until, last_failure) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (name_key) DO UPDATE SET "
            "failures = excluded.failures, locked_until = excluded.locked_until, "
            "last_failure = excluded.last_failure",
            (_name_key(name), failures, until, moment),
        )
