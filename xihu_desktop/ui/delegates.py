"""Cell editors chosen by the field type of the column."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QDate,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRegularExpression,
    Qt,
)
from PySide6.QtGui import QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QComboBox,
    QCompleter,
    QDateEdit,
    QLineEdit,
    QPlainTextEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from ..core.categories import Field, FieldType
from .entry_model import FIELD_ROLE, Lookups, copy_text

Index = QModelIndex | QPersistentModelIndex  # what Qt passes to a delegate

_PHONE_RE = QRegularExpression(r"[0-9\-－ ]{0,20}")
_CODE_RE = QRegularExpression(r"[0-9A-Za-z]{0,18}")


class LongTextEdit(QPlainTextEdit):
    """Multi-line editor: Enter commits (as in Excel), Alt+Enter or Shift+Enter breaks the line."""


class FieldDelegate(QStyledItemDelegate):
    """Creates the editor a field's type calls for and hands raw text back to the model."""

    def __init__(self, lookups: Lookups | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.lookups = lookups
        self.plan_id: int | None = None

    @staticmethod
    def _field(index: Index) -> Field | None:
        f = index.data(FIELD_ROLE)
        return f if isinstance(f, Field) else None

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        f = self._field(index)
        if f is None:
            return super().createEditor(parent, option, index)
        t = f.type
        if t == FieldType.ENUM:
            combo = QComboBox(parent)
            if not f.required:
                combo.addItem("", None)
            for choice in f.choices:
                combo.addItem(choice, choice)
            combo.setToolTip(f.help or f"可选：{'、'.join(f.choices)}")
            return combo
        if t in (FieldType.TARGET, FieldType.CATALOGUE):
            return self._link_editor(parent, f)
        if t == FieldType.LONGTEXT:
            edit = LongTextEdit(parent)
            edit.setTabChangesFocus(True)
            edit.setToolTip("Enter 确认，Alt+Enter 换行")
            return edit
        if t == FieldType.DATE:
            date = QDateEdit(parent)
            date.setCalendarPopup(True)
            date.setDisplayFormat("yyyy-MM-dd")
            return date
        line = QLineEdit(parent)
        line.setFrame(False)
        if t == FieldType.PHONE:
            line.setValidator(QRegularExpressionValidator(_PHONE_RE, line))
            line.setPlaceholderText("手机或 0571-8xxxxxxx")
        elif t == FieldType.CREDIT_CODE:
            line.setValidator(QRegularExpressionValidator(_CODE_RE, line))
            line.setMaxLength(18)
            line.setPlaceholderText("18位统一社会信用代码")
        elif f.is_numeric:
            line.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if f.unit:
                line.setPlaceholderText(f.unit)
                line.setToolTip(f"单位：{f.unit}")
            elif t == FieldType.PERCENT:
                line.setPlaceholderText("%")
        return line

    def _link_editor(self, parent: QWidget, f: Field) -> QComboBox:
        combo = QComboBox(parent)
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.addItem("", None)
        if self.lookups is not None:
            if f.type == FieldType.TARGET:
                for t in self.lookups.targets.values():
                    if self.plan_id is None or t["plan_id"] == self.plan_id:
                        combo.addItem(self.lookups.target_label(t["id"]), t["id"])
            else:
                for item in self.lookups.items.values():
                    if item["kind"] == f.link and (
                        self.plan_id is None or item["plan_id"] == self.plan_id
                    ):
                        combo.addItem(item["name"], item["id"])
        completer = combo.completer()
        if completer is not None:
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        combo.setToolTip(f.help or "输入关键字筛选")
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        f = self._field(index)
        value = index.data(Qt.ItemDataRole.EditRole)
        if f is None:
            super().setEditorData(editor, index)
            return
        if isinstance(editor, QComboBox):
            # an empty cell shows no choice: nothing is picked for the clerk (-1)
            editor.setCurrentIndex(editor.findData(value) if value is not None else -1)
            if value is not None and editor.currentIndex() < 0:
                editor.setCurrentIndex(0)
        elif isinstance(editor, QPlainTextEdit):
            editor.setPlainText("" if value is None else str(value))
        elif isinstance(editor, QDateEdit):
            date = QDate.fromString(str(value or ""), "yyyy-MM-dd")
            editor.setDate(date if date.isValid() else QDate.currentDate())
        elif isinstance(editor, QLineEdit):
            editor.setText(copy_text(f, value, self.lookups))
            editor.selectAll()

    def setModelData(self, editor: QWidget, model: Any, index: Index) -> None:
        f = self._field(index)
        if f is None:
            super().setModelData(editor, model, index)
            return
        value: Any
        if isinstance(editor, QComboBox):
            if f.type in (FieldType.TARGET, FieldType.CATALOGUE):
                text = editor.currentText().strip()
                pos = editor.findText(text)
                if pos >= 0:
                    value = editor.itemData(pos)
                elif not text:
                    value = None
                else:
                    value = text  # let validation explain
                    if self.lookups is not None:
                        found = self.lookups.find(f, text)
                        value = found if found is not None else text
            elif editor.currentIndex() < 0:
                return  # tabbed through without choosing: nothing to save
            else:
                value = editor.currentData()
        elif isinstance(editor, QPlainTextEdit):
            value = editor.toPlainText()
        elif isinstance(editor, QDateEdit):
            value = editor.date().toString("yyyy-MM-dd")
        elif isinstance(editor, QLineEdit):
            value = editor.text()
        else:
            super().setModelData(editor, model, index)
            return
        model.setData(index, value, Qt.ItemDataRole.EditRole)

    def updateEditorGeometry(
        self, editor: QWidget, option: QStyleOptionViewItem, index: Index
    ) -> None:
        rect = option.rect
        if isinstance(editor, QPlainTextEdit):
            line = editor.fontMetrics().lineSpacing()
            rect = rect.adjusted(0, 0, max(0, 240 - rect.width()), line * 4)
        editor.setGeometry(rect)

    def eventFilter(self, editor: QObject, event: QEvent) -> bool:
        if (
            isinstance(editor, QPlainTextEdit)
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            mods = event.modifiers()
            if mods & (Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier):
                editor.insertPlainText("\n")
                return True
            self.commitData.emit(editor)
            self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.SubmitModelCache)
            return True
        return super().eventFilter(editor, event)
