"""Building questionnaire exports (问卷星-style) for the outreach tests."""

from __future__ import annotations

import csv
import io

HEADER = [
    "序号",
    "提交答卷时间",
    "所用时间",
    "来源",
    "1、发现火灾应拨打的报警电话是",
    "2、火场逃生时应",
    "3、家用电器或线路着火应先",
    "4、油锅起火正确的扑救方法是",
    "5、手提式干粉灭火器使用时应先",
    "6、电动自行车应在何处停放充电",
    "7、身上衣服着火时应",
    "8、公共场所安全出口、疏散通道",
    "9、每年的全国消防日是",
    "10、液化气罐泄漏时首先应",
    "11、今年您所在的街道（乡镇）或社区（村）是否对您开展过消防安全宣传教育",
]
RIGHT = ["B", "B", "B", "B", "A", "D", "B", "C", "B", "C"]


def respondent(
    n: int, right: int, educated: bool, when: str = "2025/05/0{d} 10:00:00"
) -> list[str]:
    """Row ``n``: the first ``right`` answers correct (10 points each), the rest wrong."""
    answers = [a if i < right else ("A" if a != "A" else "B") for i, a in enumerate(RIGHT)]
    # Mix the export's answer forms: letter, option number and option text.
    answers[0] = "119" if right > 0 else "110"
    answers[1] = str("ABCD".index(answers[1]) + 1)
    return [
        str(n),
        when.format(d=1 + n % 9),
        "120秒",
        "手机提交",
        *answers,
        "A.是" if educated else "否",
    ]


def survey_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def good_rows() -> list[list[str]]:
    """10 respondents: 8 score ≥ 60 (passed), 6 say they were educated."""
    scores = [100, 90, 80, 70, 60, 60, 90, 100, 50, 30]
    return [respondent(i + 1, s // 10, i < 6) for i, s in enumerate(scores)]
