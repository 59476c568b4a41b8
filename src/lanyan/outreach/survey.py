"""Scoring an awareness questionnaire export (知晓率问卷) against an answer key.

A key (YAML, ``data/keys/*.yaml``) lists the knowledge questions by number with their options,
the right answer and points, the pass mark, and the question that asks whether the respondent's
street or community educated them (宣传教育覆盖). A 问卷星-style export has one row per
respondent: a respondent number column, a submission-time column and one column per question
whose header starts with the question number (``3、…``, ``3. …`` or ``Q3``). An answer may be
given as the option letter (``B``), its 1-based index (``2``, export "by option number"), the
option text (``119``, export "by option text") or letter and text (``B.119``).

Pure Python: no database, so a whole file is checked before anything is stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

import yaml

from lanyan.core.errors import FieldProblem, NotFound
from lanyan.outreach.tabular import Table

QUESTION_HEADER = re.compile(r"^\s*(?:Q|第)?\s*(\d+)\s*(?:[、.．:：)）]|题)")
TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class Question:
    number: int
    text: str
    options: dict[str, str]  # letter → option text
    answer: str = ""
    points: float = 0.0


@dataclass(frozen=True)
class AnswerKey:
    id: str
    title: str
    pass_mark: float
    respondent_column: str
    submitted_column: str
    questions: tuple[Question, ...]
    educated: Question
    educated_yes: frozenset[str]

    @property
    def total_points(self) -> float:
        return sum(q.points for q in self.questions)


def _question(raw: dict[str, Any]) -> Question:
    return Question(
        number=int(raw["number"]),
        text=str(raw["text"]),
        options={str(k): str(v) for k, v in raw["options"].items()},
        answer=str(raw.get("answer", "")),
        points=float(raw.get("points", 0)),
    )


def parse_key(text: str) -> AnswerKey:
    raw = yaml.safe_load(text)
    educated = raw["educated"]
    return AnswerKey(
        id=str(raw["id"]),
        title=str(raw["title"]),
        pass_mark=float(raw["pass_mark"]),
        respondent_column=str(raw.get("respondent_column", "序号")),
        submitted_column=str(raw.get("submitted_column", "提交答卷时间")),
        questions=tuple(_question(q) for q in raw["questions"]),
        educated=_question(educated),
        educated_yes=frozenset(str(x) for x in educated["counts_as_educated"]),
    )


@cache
def builtin_keys() -> dict[str, AnswerKey]:
    folder = resources.files("lanyan.outreach") / "data" / "keys"
    keys = [
        parse_key(f.read_text(encoding="utf-8"))
        for f in folder.iterdir()
        if f.name.endswith(".yaml")
    ]
    return {k.id: k for k in sorted(keys, key=lambda k: k.id)}


def answer_key(key_id: str) -> AnswerKey:
    try:
        return builtin_keys()[key_id]
    except KeyError:
        raise NotFound(f"no answer key '{key_id}'; known: {', '.join(builtin_keys())}") from None


@dataclass(frozen=True)
class Scored:
    row: int
    respondent: str
    submitted_at: datetime | None
    score: float
    passed: bool
    educated: bool


def _option(q: Question, cell: str) -> str | None:
    """The option letter ``cell`` names, or None."""
    text = cell.strip()
    if text.upper() in q.options:
        return text.upper()
    if text.isdigit() and 1 <= int(text) <= len(q.options):
        return list(q.options)[int(text) - 1]
    for letter, option in q.options.items():
        if text == option or re.fullmatch(
            rf"{letter}\s*[.．、:：]?\s*{re.escape(option)}", text, re.I
        ):
            return letter
    return None


def _columns(key: AnswerKey, table: Table) -> tuple[dict[int, str], list[FieldProblem]]:
    by_number: dict[int, str] = {}
    for name in table.header:
        m = QUESTION_HEADER.match(name)
        if m:
            by_number.setdefault(int(m.group(1)), name)
    problems = []
    for column in (key.respondent_column, key.submitted_column):
        if column not in table.header:
            problems.append(FieldProblem(column, "column missing from the header", 1))
    for q in (*key.questions, key.educated):
        if q.number not in by_number:
            problems.append(
                FieldProblem(f"Q{q.number}", f"no column for question {q.number} ({q.text})", 1)
            )
    return by_number, problems


def _submitted(text: str) -> datetime | None:
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def score(
    key: AnswerKey, table: Table, year: int | None = None
) -> tuple[list[Scored], list[FieldProblem]]:
    """Every row scored, or the problems of every bad row (field = the column header)."""
    columns, problems = _columns(key, table)
    if problems:
        return [], problems
    out: list[Scored] = []
    seen: dict[str, int] = {}
    for row, cells in table.rows:
        bad: list[FieldProblem] = []
        respondent = cells.get(key.respondent_column, "")
        if not respondent:
            bad.append(FieldProblem(key.respondent_column, "required", row))
        elif respondent in seen:
            bad.append(
                FieldProblem(key.respondent_column, f"duplicate of row {seen[respondent]}", row)
            )
        else:
            seen[respondent] = row
        when_text = cells.get(key.submitted_column, "")
        when = _submitted(when_text) if when_text else None
        if when_text and when is None:
            bad.append(
                FieldProblem(key.submitted_column, "must be a time YYYY/MM/DD HH:MM:SS", row)
            )
        elif when is not None and year is not None and when.year != year:
            bad.append(
                FieldProblem(key.submitted_column, f"must fall in the survey year {year}", row)
            )
        total = 0.0
        letters: dict[int, str] = {}
        for q in (*key.questions, key.educated):
            column = columns[q.number]
            cell = cells.get(column, "")
            if not cell:
                bad.append(FieldProblem(column, "required: the question was not answered", row))
                continue
            letter = _option(q, cell)
            if letter is None:
                choices = ", ".join(f"{k}={v}" for k, v in q.options.items())
                bad.append(FieldProblem(column, f"'{cell}' is not an option ({choices})", row))
                continue
            letters[q.number] = letter
            if q in key.questions and letter == q.answer:
                total += q.points
        problems.extend(bad)
        if not bad:
            out.append(
                Scored(
                    row=row,
                    respondent=respondent,
                    submitted_at=when,
                    score=total,
                    passed=total >= key.pass_mark,
                    educated=letters[key.educated.number] in key.educated_yes,
                )
            )
    if not table.rows:
        problems.append(FieldProblem("file", "has no respondent rows", 2))
    return out, problems


def surveyed_on(rows: list[Scored]) -> date | None:
    """The day of the latest submission, the survey batch's date when none is given."""
    times = [r.submitted_at for r in rows if r.submitted_at is not None]
    return max(times).date() if times else None
