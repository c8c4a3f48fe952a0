"""Roles, ledger statuses, unit kinds and review states, declared once.

They are ``StrEnum``: the value is what the data file stores and what the user
reads, so ``LedgerStatus.DRAFT == "草稿"`` and rows written by older versions
compare equal without conversion.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Who acts: the district administrator, a unit's operator (bound to one unit), a viewer."""

    ADMIN = "admin"
    OPERATOR = "operator"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {Role.ADMIN: "区管理员", Role.OPERATOR: "填报员", Role.VIEWER: "查看"}


class LedgerStatus(StrEnum):
    """A ledger's state: a draft is editable; submitted and locked ledgers are read-only."""

    DRAFT = "草稿"
    SUBMITTED = "已提交"
    LOCKED = "已锁定"

    @property
    def editable(self) -> bool:
        return self is LedgerStatus.DRAFT


class UnitKind(StrEnum):
    TOWN = "town"
    DEPARTMENT = "department"
    PLATFORM = "platform"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {UnitKind.TOWN: "镇街", UnitKind.DEPARTMENT: "部门", UnitKind.PLATFORM: "平台"}


class ReviewState(StrEnum):
    """The district's review of a unit's return for a year (报送情况)."""

    NOT_REPORTED = "未报"
    REPORTED = "已报"
    ACCEPTED = "已审"
    RETURNED = "退回"


class ArrivalStatus(StrEnum):
    """What became of one file that arrived (the inbox)."""

    NEW = "新增"
    UPDATED = "更新"
    SAME = "相同"
    CONFLICT = "冲突"
    ERROR = "错误"
