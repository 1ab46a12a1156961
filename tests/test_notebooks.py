"""Every analyst notebook runs top to bottom against the demo park and draws its figures."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
#: Notebook -> (charts, maps) it must at least produce.
EXPECTED = {
    "01_idle_land_inventory.ipynb": (4, 1),
    "02_zombie_firms_and_release.ipynb": (5, 1),
    "03_drainage_and_roads.ipynb": (4, 2),
    "04_investment_supply.ipynb": (4, 1),
}


def _figures(nb: nbformat.NotebookNode) -> tuple[int, int, list[str]]:
    """Counts of PNG charts and folium maps, and any error or stderr text."""
    charts = maps = 0
    problems = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                problems.append(f"{out.ename}: {out.evalue}")
            if out.output_type == "stream" and out.name == "stderr":
                problems.append(out.text)
            data = out.get("data", {})
            charts += "image/png" in data
            page = data.get("text/html", "")
            maps += "folium" in page or "leaflet" in page.lower()
    return charts, maps, problems


def test_notebooks_are_stored_without_outputs() -> None:
    """Reviewable notebooks: no outputs, no execution counts, same as the generator writes."""
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(EXPECTED)
    for path in NOTEBOOKS.glob("*.ipynb"):
        raw = json.loads(path.read_text(encoding="utf-8"))
        for cell in raw["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, path.name


def test_the_generator_reproduces_the_stored_notebooks(tmp_path: Path) -> None:
    """notebooks/_build.py is the source: rebuilding gives the stored files byte for byte."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("nb_build", NOTEBOOKS / "_build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for path in module.build(tmp_path):
        assert path.read_bytes() == (NOTEBOOKS / path.name).read_bytes(), path.name


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_notebook_runs_on_the_demo_park(
    name: str, demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Executed with nbclient, the kernel pointed at the demo park by PARKGIS_DATABASE_URL."""
    monkeypatch.setenv("PARKGIS_DATABASE_URL", demo_url)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    charts, maps, problems = _figures(nb)
    assert problems == [], problems
    want_charts, want_maps = EXPECTED[name]
    assert charts >= want_charts, f"{name}: {charts} charts"
    assert maps >= want_maps, f"{name}: {maps} maps"
