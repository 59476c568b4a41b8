"""QR labels: every format encodes the item's page address, and a phone-style decoder reads it."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from typer.testing import CliRunner

from lanyan.cli.main import app
from lanyan.core.errors import ValidationFailed
from lanyan.logistics import labels, service
from lanyan.logistics.schemas.equipment import DepotCreate, ItemCreate, KindCreate
from lanyan.registry import service as registry
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM
from lanyan.store.db import make_engine, make_session_factory, unit_of_work
from lanyan.store.migrate import upgrade

from support import REGION

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
BASE = "https://119.example.gov.cn/lanyan"
SHEET = [
    labels.Label(f"E-{n:04d}", "消防员灭火防护服", f"{BASE}/equipment/items/E-{n:04d}")
    for n in range(5)
]


def _decode_png(data: bytes) -> list[str]:
    image = Image.open(io.BytesIO(data)).convert("L")
    return sorted(r.text for r in zxingcpp.read_barcodes(image))


def test_png_sheet_decodes_to_each_page_address() -> None:
    data = labels.render(SHEET, "png", "")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "equipment-labels.png").write_bytes(data)
    assert _decode_png(data) == [label.url for label in SHEET]
    image = Image.open(io.BytesIO(data))
    assert image.size == (2480, round((1.5 * 2 + 2 * 42) * 300 / 25.4))  # A4 width at 300 dpi


def test_svg_sheet_draws_the_same_matrix() -> None:
    svg = labels.sheet_svg(SHEET[:1])
    assert svg.count('class="label"') == 1 and "消防员灭火防护服" in svg
    path = re.search(r'<path fill="#000" d="([^"]+)"', svg)
    assert path is not None
    drawn = {(int(y), int(x), int(n)) for x, y, n in re.findall(r"M(\d+) (\d+)h(\d+)", path[1])}
    assert drawn == set(labels.dark_runs(labels.qr(SHEET[0].url)))


def test_pdf_sheet_pages_and_cjk_font() -> None:
    pdf = labels.render(SHEET * 5, "pdf")  # 25 labels: two A4 pages of 21
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 2
    assert b"STSong-Light" in pdf


def test_bad_requests_are_named() -> None:
    with pytest.raises(ValidationFailed) as err:
        labels.render([], "svg")
    assert err.value.problems[0].field == "codes"
    with pytest.raises(ValidationFailed) as err:
        labels.render(SHEET, "png", "/nonexistent/font.ttf")
    assert err.value.problems[0].field == "LANYAN_LABEL_FONT"


def test_cli_writes_label_sheets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("LANYAN_DATABASE_URL", url)
    monkeypatch.setenv("LANYAN_PUBLIC_BASE_URL", BASE)
    upgrade(url)
    with unit_of_work(make_session_factory(make_engine(url))) as s:
        for j in REGION["jurisdictions"]:
            registry.create(s, get_type("jurisdictions"), SYSTEM, EVERYWHERE, j)
        service.create_depot(
            s, SYSTEM, EVERYWHERE, DepotCreate(code="DEP", name="库", jurisdiction_code="320904")
        )
        service.create_kind(
            s, SYSTEM, KindCreate(code="K", name="空气呼吸器", category="protective_gear")
        )
        for n in range(2):
            service.create_item(
                s, SYSTEM, EVERYWHERE, ItemCreate(code=f"A-{n}", kind_code="K", depot_code="DEP")
            )
    runner = CliRunner()
    for fmt in ("png", "svg", "pdf"):
        out = tmp_path / f"labels.{fmt}"
        result = runner.invoke(app, ["equipment", "labels", "--format", fmt, "--output", str(out)])
        assert result.exit_code == 0, result.output
        assert "2 labels" in result.output
    assert _decode_png((tmp_path / "labels.png").read_bytes()) == [
        f"{BASE}/equipment/items/A-0",
        f"{BASE}/equipment/items/A-1",
    ]
    result = runner.invoke(app, ["equipment", "labels", "--code", "NOPE", "--output", str(out)])
    assert result.exit_code == 1 and "NOPE" in result.output
