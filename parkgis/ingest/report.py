"""The import report: every issue with its file row, field, value, expectation and action."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["info", "warning", "error"]

#: The action recorded with an error: the whole import is refused.
REFUSED = "导入被拒绝 refused"


@dataclass
class Issue:
    """One finding about the file: an error refuses the import, a warning or note does not."""

    severity: Severity
    message: str
    message_en: str
    row: int | None = None
    field: str | None = None
    value: Any = None
    expected: Any = None
    action: str = ""

    def line(self) -> str:
        """One line for people: 行 12 字段 uscc: 校验位错误 ... -> 已导入 (warning)."""
        where = []
        if self.row is not None:
            where.append(f"行 {self.row}")
        if self.field:
            where.append(f"字段 {self.field}")
        head = " ".join(where)
        value = f" 值={self.value!r}" if self.value is not None else ""
        expected = f" 应为={self.expected}" if self.expected is not None else ""
        action = f" -> {self.action}" if self.action else ""
        return (
            f"[{self.severity}] {head + ': ' if head else ''}{self.message}{value}{expected}"
            f"{action} | {self.message_en}"
        )


@dataclass
class ImportReport:
    """What an import found and did; the same content for the CLI, the API and the log."""

    layer: str
    source: str
    mode: str
    dry_run: bool = False
    format: str = ""
    encoding: str | None = None
    crs: str | None = None
    rows_read: int = 0
    rows_written: int = 0
    rows_updated: int = 0
    rows_deleted: int = 0
    status: str = "pending"
    extra_columns: list[str] = field(default_factory=list)
    column_map: dict[str, str] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    def add(self, severity: Severity, message: str, message_en: str, **kw: Any) -> Issue:
        """Record an issue and return it."""
        issue = Issue(severity, message, message_en, **kw)
        self.issues.append(issue)
        return issue

    def error(self, message: str, message_en: str, **kw: Any) -> Issue:
        """Record a fatal issue (the import will be refused)."""
        return self.add("error", message, message_en, **kw)

    def warning(self, message: str, message_en: str, **kw: Any) -> Issue:
        """Record a warning (the row is still imported)."""
        return self.add("warning", message, message_en, **kw)

    def note(self, message: str, message_en: str, **kw: Any) -> Issue:
        """Record an assumption or a repair the clerk should know about."""
        return self.add("info", message, message_en, **kw)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when nothing refuses the import."""
        return not self.errors

    def summary(self) -> str:
        """Two lines: what happened, in Chinese then English."""
        state = {
            "committed": ("已导入", "imported"),
            "refused": ("已拒绝，数据库未改动", "refused, database unchanged"),
            "dry_run": ("试运行，未写入", "dry run, nothing written"),
        }.get(self.status, (self.status, self.status))
        return (
            f"{self.layer} <- {self.source}: {state[0]}；读取 {self.rows_read} 行，写入 "
            f"{self.rows_written} 行（更新 {self.rows_updated}，删除 {self.rows_deleted}）；"
            f"错误 {len(self.errors)}，警告 {len(self.warnings)}\n"
            f"{self.layer} <- {self.source}: {state[1]}; read {self.rows_read}, written "
            f"{self.rows_written} (updated {self.rows_updated}, deleted {self.rows_deleted}); "
            f"{len(self.errors)} errors, {len(self.warnings)} warnings"
        )

    def to_text(self) -> str:
        """The whole report as text (summary, then one line per issue)."""
        head = [self.summary()]
        if self.encoding:
            head.append(f"编码 encoding: {self.encoding}")
        if self.crs:
            head.append(f"坐标系 CRS: {self.crs}")
        return "\n".join(head + [i.line() for i in self.issues]) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = asdict(self)
        out["ok"] = self.ok
        out["summary"] = self.summary()
        out["issues"] = [asdict(i) for i in self.issues]
        return out

    def to_json(self) -> str:
        """JSON text (Chinese kept readable)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, default=str)
