"""Domain errors. Each names the field and the rule, so the API and CLI can say what was wrong."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldProblem:
    """One broken rule: ``field`` names the input field, ``rule`` says what it must satisfy."""

    field: str
    rule: str
    row: int | None = None  # 1-based line in an imported file, header included

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"field": self.field, "rule": self.rule}
        if self.row is not None:
            out["row"] = self.row
        return out


@dataclass
class LanyanError(Exception):
    """Base class: a message for people plus machine-readable problems."""

    message: str
    problems: list[FieldProblem] = field(default_factory=list)
    status: int = 400
    title: str = "Bad request"

    def __str__(self) -> str:
        return self.message


class ValidationFailed(LanyanError):
    def __init__(self, message: str, problems: list[FieldProblem]) -> None:
        super().__init__(message, problems, 422, "Validation failed")


class NotFound(LanyanError):
    def __init__(self, message: str) -> None:
        super().__init__(message, [], 404, "Not found")


class Conflict(LanyanError):
    def __init__(self, message: str, problems: list[FieldProblem] | None = None) -> None:
        super().__init__(message, problems or [], 409, "Conflict")


class Forbidden(LanyanError):
    def __init__(self, message: str) -> None:
        super().__init__(message, [], 403, "Forbidden")


class Unauthorized(LanyanError):
    def __init__(self, message: str) -> None:
        super().__init__(message, [], 401, "Unauthorized")


class PayloadTooLarge(LanyanError):
    """A request body over its size limit; names the limit and the setting that changes it."""

    def __init__(self, field: str, limit_mb: float, setting: str) -> None:
        self.limit_mb = limit_mb
        self.setting = setting
        super().__init__(
            f"the upload is larger than the limit of {limit_mb:g} MB (set by {setting})",
            [FieldProblem(field, f"must be at most {limit_mb:g} MB ({setting})")],
            413,
            "Payload too large",
        )


class NotSaved(LanyanError):
    """The database refused to commit a write: nothing of the request was saved."""

    def __init__(self, message: str) -> None:
        super().__init__(message, [], 503, "Not saved")
