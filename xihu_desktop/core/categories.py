"""The six categories of 六个一批 and their fields, declared once.

Every consumer — the table editor, validation, the Excel return, the import
mapping and the PDF sheet — reads these declarations; adding a field is one edit
here. Field keys listed in :data:`ENTRY_COLUMNS` are stored in columns of the
``entries`` table (they are queried and scored); every other key is stored in the
entry's JSON ``data`` column.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .enums import LedgerStatus, UnitKind


class FieldType(StrEnum):
    TEXT = "text"
    LONGTEXT = "longtext"
    NUMBER = "number"
    MONEY = "money"  # 万元, two decimals
    PERCENT = "percent"  # stored as percentage points: 85 means 85 %
    INTEGER = "integer"
    YEAR = "year"
    DATE = "date"
    ENUM = "enum"
    CREDIT_CODE = "credit_code"  # 统一社会信用代码
    PHONE = "phone"
    TARGET = "target"  # link to a plan target (专栏2)
    CATALOGUE = "catalogue"  # link to a catalogue item (platform, project, talent programme)


NUMERIC_TYPES = frozenset(
    {FieldType.NUMBER, FieldType.MONEY, FieldType.PERCENT, FieldType.INTEGER, FieldType.YEAR}
)

#: Field keys stored in dedicated columns of ``entries``.
ENTRY_COLUMNS = ("name", "goal", "actual", "status", "weight", "target_id", "catalogue_id")

#: Progress status of an entry or a quarter.
STATUSES = ("未启动", "推进中", "基本完成", "已完成", "滞后")

LEDGER_STATUSES = tuple(s.value for s in LedgerStatus)

UNIT_KINDS = {k.value: k.label for k in UnitKind}


@dataclass(frozen=True)
class Field:
    """One column of a category: how it is labelled, typed, checked and shown."""

    key: str
    label: str
    type: FieldType = FieldType.TEXT
    unit: str = ""
    required: bool = False
    choices: tuple[str, ...] = ()
    group: str = "基本信息"
    width: int = 12  # in Chinese characters (Excel column width / PDF share)
    link: str = ""  # for CATALOGUE fields: the catalogue kind
    minimum: float | None = None
    maximum: float | None = None
    default: Any = None
    help: str = ""
    in_pdf: bool = False
    aliases: tuple[str, ...] = ()  # former labels, still read from older files

    @property
    def header(self) -> str:
        """Label with its unit of measure on one line, as the table editor shows it."""
        return f"{self.label}（{self.unit}）" if self.unit else self.label

    @property
    def header_lines(self) -> tuple[str, ...]:
        """The header printed on two lines: the label, then its unit once (“人（个）”),
        so a unit with brackets of its own never leaves a lone bracket on a line."""
        return (self.label, self.unit) if self.unit else (self.label,)

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def is_column(self) -> bool:
        return self.key in ENTRY_COLUMNS


RowCheck = Callable[[Mapping[str, Any]], list[tuple[str, str]]]


@dataclass(frozen=True)
class Category:
    key: str
    label: str  # 一批重点指标
    short: str  # 重点指标
    default_points: float
    fields: tuple[Field, ...]
    row_checks: tuple[RowCheck, ...] = ()

    def field(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    def has(self, key: str) -> bool:
        return any(f.key == key for f in self.fields)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    @property
    def pdf_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.in_pdf)


# ---------------------------------------------------------------- shared fields


def _name(label: str) -> Field:
    return Field("name", label, required=True, width=22, in_pdf=True)


def _goal(
    label: str = "年度目标值",
    unit: str = "",
    ftype: FieldType = FieldType.NUMBER,
    required: bool = False,
) -> Field:
    return Field(
        "goal", label, ftype, unit=unit, required=required, group="年度目标", width=12, in_pdf=True
    )


def _actual(label: str = "完成值", unit: str = "", ftype: FieldType = FieldType.NUMBER) -> Field:
    return Field("actual", label, ftype, unit=unit, group="完成情况", width=12, in_pdf=True)


_MILESTONES = tuple(
    Field(f"q{q}", f"{label}节点", FieldType.LONGTEXT, group="实施时间表", width=16)
    for q, label in ((1, "一季度"), (2, "二季度"), (3, "三季度"), (4, "四季度"))
)

_TAIL = (
    *_MILESTONES,
    Field("roadmap", "推进措施", FieldType.LONGTEXT, group="路线图", width=24),
    Field("leader", "责任领导", group="责任主体", width=8),
    Field("owner", "责任人", group="责任主体", width=8),
    Field("contact", "联系电话", FieldType.PHONE, group="责任主体", width=13),
    Field(
        "status",
        "推进状态",
        FieldType.ENUM,
        choices=STATUSES,
        group="完成情况",
        default="未启动",
        width=8,
    ),
    Field(
        "weight",
        "权重",
        FieldType.NUMBER,
        minimum=0,
        maximum=100,
        group="考核",
        width=6,
        help="留空按平均分配；填写时按相对比例分配本类分值",
    ),
    Field("remark", "备注", FieldType.LONGTEXT, group="考核", width=16),
)


def _check_years(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    start, end = row.get("start_year"), row.get("end_year")
    if start is not None and end is not None and end < start:
        return [("end_year", "竣工年份早于开工年份")]
    return []


def _check_investment(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    total, annual = row.get("total_investment"), row.get("goal")
    if total is not None and annual is not None and annual > total:
        return [("goal", "年度计划投资超过总投资")]
    return []


#: Units of measure that count things: their figures are whole and never negative.
COUNT_UNITS = frozenset(
    {
        "人",
        "名",
        "个",
        "家",
        "项",
        "件",
        "户",
        "所",
        "座",
        "台",
        "套",
        "辆",
        "场",
        "次",
        "人次",
        "批",
        "条",
        "张",
        "本",
        "篇",
    }
)


def _check_counts(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Figures in a counting unit (人, 家, 个 …) are whole numbers and not negative."""
    unit = str(row.get("measure_unit") or "").strip()
    if unit not in COUNT_UNITS:
        return []
    out = []
    for key in ("baseline", "goal", "actual"):
        value = row.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            if value < 0:
                out.append((key, f"以“{unit}”计的数量不能为负数"))
            elif not float(value).is_integer():
                out.append((key, f"以“{unit}”计的数量应为整数"))
    return out


# ---------------------------------------------------------------- the six categories

INDICATOR = Category(
    "indicator",
    "一批重点指标",
    "重点指标",
    30,
    (
        _name("指标名称"),
        Field(
            "target_id", "关联规划指标", FieldType.TARGET, width=18, help="专栏2“十四五”主要指标"
        ),
        Field("measure_unit", "计量单位", width=8, in_pdf=True),
        Field(
            "attribute",
            "指标属性",
            FieldType.ENUM,
            choices=("预期性", "约束性"),
            default="预期性",
            width=7,
        ),
        Field(
            "direction",
            "指标方向",
            FieldType.ENUM,
            choices=("越大越好", "越小越好"),
            default="越大越好",
            width=8,
            help="越小越好的指标（如PM2.5、事故率）反向计分",
        ),
        Field("baseline", "上年完成值", FieldType.NUMBER, group="年度目标", width=10),
        _goal("年度目标值", required=True),
        _actual("完成值"),
        *_TAIL,
    ),
    row_checks=(_check_counts,),
)

PLATFORM = Category(
    "platform",
    "一批重点平台",
    "重点平台",
    15,
    (
        _name("平台名称"),
        Field("catalogue_id", "关联规划平台", FieldType.CATALOGUE, link="platform", width=14),
        Field("positioning", "功能定位", FieldType.LONGTEXT, width=22),
        Field(
            "annual_goal",
            "年度目标任务",
            FieldType.LONGTEXT,
            required=True,
            group="年度目标",
            width=24,
            in_pdf=True,
        ),
        Field("measure_unit", "计量单位", group="年度目标", width=8),
        _goal("目标值"),
        _actual("完成值"),
        *_TAIL,
    ),
    row_checks=(_check_counts,),
)

PROJECT = Category(
    "project",
    "一批重大项目",
    "重大项目",
    25,
    (
        _name("项目名称"),
        Field("catalogue_id", "关联规划项目", FieldType.CATALOGUE, link="project", width=14),
        Field("owner_org", "业主单位", required=True, width=16),
        Field(
            "nature",
            "建设性质",
            FieldType.ENUM,
            choices=("新建", "续建", "前期"),
            required=True,
            width=7,
        ),
        Field("start_year", "开工年份", FieldType.YEAR, width=7),
        Field("end_year", "竣工年份", FieldType.YEAR, width=7),
        Field("total_investment", "总投资", FieldType.MONEY, unit="万元", minimum=0, width=12),
        _goal("年度计划投资", unit="万元", ftype=FieldType.MONEY, required=True),
        _actual("年度完成投资", unit="万元", ftype=FieldType.MONEY),
        Field("physical_progress", "形象进度", FieldType.LONGTEXT, group="完成情况", width=20),
        *_TAIL,
    ),
    row_checks=(_check_years, _check_investment),
)

ENTERPRISE_KINDS = (
    "上市企业",
    "拟上市企业",
    "国家高新技术企业",
    "雏鹰企业",
    "科技型中小企业",
    "专精特新企业",
    "总部企业",
    "其他",
)

ENTERPRISE = Category(
    "enterprise",
    "一批领军企业",
    "领军企业",
    10,
    (
        _name("企业名称"),
        Field("credit_code", "统一社会信用代码", FieldType.CREDIT_CODE, required=True, width=20),
        Field("industry", "所属行业", width=12),
        Field(
            "kind",
            "企业类型",
            FieldType.ENUM,
            choices=ENTERPRISE_KINDS,
            required=True,
            width=12,
            in_pdf=True,
        ),
        Field(
            "annual_goal", "年度目标", FieldType.LONGTEXT, group="年度目标", width=22, in_pdf=True
        ),
        _goal("营业收入目标", unit="万元", ftype=FieldType.MONEY),
        _actual("营业收入完成", unit="万元", ftype=FieldType.MONEY),
        *_TAIL,
    ),
)

TALENT = Category(
    "talent",
    "一批领先人才",
    "领先人才",
    10,
    (
        _name("人才（团队）名称"),
        Field(
            "catalogue_id",
            "人才计划",
            FieldType.CATALOGUE,
            link="talent_programme",
            width=16,
            in_pdf=True,
            help="专栏5重点专项人才引育计划",
        ),
        Field(
            "talent_type",
            "类型",
            FieldType.ENUM,
            choices=("个人", "团队", "引育批次"),
            default="个人",
            width=7,
        ),
        Field("field", "领域", width=10),
        Field("employer", "所在单位", required=True, width=16),
        Field(
            "level",
            "层次",
            FieldType.ENUM,
            choices=("国家级", "省级", "市级", "区级", "其他"),
            width=7,
        ),
        _goal("引育目标", unit="人（个）", ftype=FieldType.INTEGER),
        _actual("已引育", unit="人（个）", ftype=FieldType.INTEGER),
        *_TAIL,
    ),
)

RESOURCE_KINDS = ("土地", "空间", "资金", "政策", "楼宇")

RESOURCE = Category(
    "resource",
    "一批发展资源",
    "发展资源",
    10,
    (
        _name("资源名称"),
        Field(
            "resource_kind",
            "资源类型",
            FieldType.ENUM,
            choices=RESOURCE_KINDS,
            required=True,
            width=8,
            in_pdf=True,
        ),
        Field("location", "位置", width=14),
        Field("land", "土地", FieldType.NUMBER, unit="亩", minimum=0, group="资源规模", width=9),
        Field(
            "floor_space",
            "空间",
            FieldType.NUMBER,
            unit="万㎡",
            minimum=0,
            group="资源规模",
            width=9,
        ),
        Field("funds", "资金", FieldType.MONEY, unit="万元", minimum=0, group="资源规模", width=11),
        Field("policy", "政策/楼宇说明", FieldType.LONGTEXT, group="资源规模", width=20),
        Field("measure_unit", "计量单位", group="年度目标", width=8),
        _goal("年度目标量"),
        _actual("完成量"),
        *_TAIL,
    ),
    row_checks=(_check_counts,),
)

CATEGORIES: tuple[Category, ...] = (INDICATOR, PLATFORM, PROJECT, ENTERPRISE, TALENT, RESOURCE)
CATEGORY_BY_KEY: dict[str, Category] = {c.key: c for c in CATEGORIES}


def category(key: str) -> Category:
    try:
        return CATEGORY_BY_KEY[key]
    except KeyError:
        raise KeyError(f"未知的类别：{key}") from None


def find_category(text: str) -> Category | None:
    """Find a category by key, full label (一批重点指标) or short label (重点指标)."""
    text = text.strip()
    for c in CATEGORIES:
        if text in (c.key, c.label, c.short):
            return c
    return None
