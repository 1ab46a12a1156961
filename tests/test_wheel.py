"""The package as a person installs it: the dependencies it declares, and a wheel that runs.

The wheel test builds ``dist/*.whl`` from a clean copy of the checkout, installs it into a
fresh virtual environment outside the checkout and runs the README's commands there
(``db up``, ``db migrate``, ``demo load``, ``serve``) with their own data folder and
ports. The environment borrows the test interpreter's third-party packages through a
``.pth`` line (like ``--system-site-packages``) so nothing is downloaded; the package's own
code, SQL, migrations, catalogue, rules and static files must come from the wheel, which
the test checks. That the declared dependencies are the imported ones is checked apart.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parent.parent
FIRST_PARTY = {"parkgis", "api", "layers", "postgis", "tests"}
#: Folders of the installed package, and of the development side (tests, bench, notebooks).
PACKAGE_DIRS = ("parkgis", "api", "layers", "postgis")
DEVELOPMENT_DIRS = ("tests", "bench", "notebooks")

#: Declared dependencies no module imports, each with the reason it is declared.
USED_WITHOUT_IMPORT = {
    "python-multipart": "FastAPI parses the multipart upload of POST /imports with it",
    "ruff": "the linter (command line)",
    "mypy": "the type checker (command line)",
    "build": "builds the wheel in this file (python -m build)",
    "pandas-stubs": "types for mypy",
    "types-openpyxl": "types for mypy",
    "httpx2": "starlette's TestClient imports it",
    "ipykernel": "the kernel nbclient runs the notebooks on",
    "jupyterlab": "make notebooks",
}

#: Copying the checkout for the build skips these (caches, the cluster, the venv).
NOT_COPIED = {".git", ".venv", "var", "build", "dist", "test-output", "__pycache__"}


def _top_level_imports(source: str) -> set[str]:
    # Notebook cells may hold IPython magics (%matplotlib, !pip): not Python, skipped.
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    names: set[str] = set()
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _imports_under(folder: str) -> dict[str, set[str]]:
    """Third-party modules imported by the ``.py`` files and notebooks under ``folder``."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / folder).rglob("*")):
        if path.suffix == ".py":
            sources = [path.read_text(encoding="utf-8")]
        elif path.suffix == ".ipynb":
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
        else:
            continue
        for source in sources:
            for name in _top_level_imports(source):
                if name not in sys.stdlib_module_names and name not in FIRST_PARTY:
                    found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> tuple[set[str], set[str]]:
    """Distribution names declared for the package (with its extras) and for development."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    def names(requirements: list[str]) -> set[str]:
        return {_canonical(re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0]) for r in requirements}

    extras = project.get("optional-dependencies", {})
    package = names(project["dependencies"])
    for extra, requirements in extras.items():
        if extra != "dev":
            package |= names(requirements)
    return package, names(extras.get("dev", []))


def _undeclared(imports: dict[str, set[str]], declared: set[str]) -> list[str]:
    distributions = metadata.packages_distributions()
    missing = []
    for module, files in sorted(imports.items()):
        owners = {_canonical(d) for d in distributions.get(module, [module])}
        if not owners & declared:
            missing.append(f"{module} ({', '.join(sorted(owners))}) imported by {sorted(files)}")
    return missing


def _imported_distributions(imports: dict[str, set[str]]) -> set[str]:
    distributions = metadata.packages_distributions()
    return {_canonical(d) for m in imports for d in distributions.get(m, [m])}


def test_declared_dependencies_are_the_imported_ones() -> None:
    package, development = _declared()
    package_imports: dict[str, set[str]] = {}
    for folder in PACKAGE_DIRS:
        package_imports.update(_imports_under(folder))
    dev_imports: dict[str, set[str]] = {}
    for folder in DEVELOPMENT_DIRS:
        dev_imports.update(_imports_under(folder))

    assert _undeclared(package_imports, package) == [], "imported by the package, not declared"
    assert _undeclared(dev_imports, package | development) == [], "imported, not declared"
    imported = _imported_distributions(package_imports) | _imported_distributions(dev_imports)
    unused = (package | development) - imported - set(USED_WITHOUT_IMPORT)
    assert unused == set(), "declared, never imported (add the reason to USED_WITHOUT_IMPORT)"
    assert "sqlalchemy" in package and "sqlalchemy" in _imported_distributions(package_imports)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 300) -> str:
    done = subprocess.run(
        args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A folder outside the checkout the private cluster's system user can enter."""
    folder = Path(tempfile.mkdtemp(prefix="parkgis-wheel-"))
    folder.chmod(0o755)  # as root, PostgreSQL runs as the unprivileged user 'parkgis'
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _build_wheel(scratch: Path) -> Path:
    """``python -m build --wheel`` on a clean copy (no stale build/ of the checkout)."""
    source = scratch / "source"
    shutil.copytree(
        ROOT,
        source,
        symlinks=True,
        ignore=lambda _dir, names: [
            n for n in names if n in NOT_COPIED or n.endswith((".egg-info", "_cache"))
        ],
    )
    dist = scratch / "dist"
    _run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist)], dict(os.environ), source
    )
    (wheel,) = dist.glob("parkgis-*.whl")
    return wheel


def _fresh_venv(scratch: Path, wheel: Path) -> Path:
    """A new venv with the wheel installed; third-party packages borrowed from this one."""
    venv = scratch / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    borrowed = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (Path(purelib) / "borrowed_dependencies.pth").write_text("\n".join(sorted(borrowed)) + "\n")
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    _run([*pip, "--no-deps", "--ignore-installed", str(wheel)], dict(os.environ), scratch)
    return venv


def _child_env(scratch: Path) -> tuple[dict[str, str], str | None]:
    """The environment of the installed commands: no checkout on the path, own ports.

    With ``PARKGIS_DATABASE_URL`` set, a database of its own on that server (returned so
    it can be dropped); otherwise a private cluster in the scratch folder.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("PARKGIS")}
    env |= {"PARKGIS_DATA_DIR": str(scratch / "data"), "PARKGIS_PORT": str(_free_port())}
    external = os.environ.get("PARKGIS_DATABASE_URL")
    if not external:
        env["PARKGIS_PG_PORT"] = str(_free_port())
        return env, None
    name = f"parkgis_wheel_{os.getpid()}"
    admin = create_engine(external, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    env["PARKGIS_DATABASE_URL"] = (
        make_url(external).set(database=name).render_as_string(hide_password=False)
    )
    return env, external


def _drop_external(external: str, env: dict[str, str]) -> None:
    admin = create_engine(external, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        name = make_url(env["PARKGIS_DATABASE_URL"]).database
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _serve_and_fetch(parkgis: Path, env: dict[str, str], cwd: Path) -> dict[str, bytes]:
    base = f"http://127.0.0.1:{env['PARKGIS_PORT']}"
    log = (cwd / "serve.log").open("w")
    server = subprocess.Popen([str(parkgis), "serve"], env=env, cwd=cwd, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = _get(f"{base}/readyz")
                if status == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, (cwd / "serve.log").read_text()
            assert time.monotonic() < deadline, (cwd / "serve.log").read_text()
            time.sleep(0.3)
        pages = {"/readyz": body}
        for path in ("/collections", "/static/vendor/leaflet/leaflet.js"):
            status, pages[path] = _get(base + path)
            assert status == 200, (path, status, pages[path][:500])
        return pages
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.mark.slow
@pytest.mark.wheel
def test_wheel_installs_and_runs_outside_the_checkout(scratch: Path) -> None:
    venv = _fresh_venv(scratch, _build_wheel(scratch))
    parkgis = venv / "bin" / "parkgis"
    env, external = _child_env(scratch)
    run_dir = scratch / "run"
    run_dir.mkdir()
    try:
        where = _run(
            [
                str(venv / "bin" / "python"),
                "-c",
                "import api, layers, parkgis, postgis, parkgis.db as d; "
                "print(api.__file__, layers.__file__, parkgis.__file__, postgis.__file__, "
                "d.postgis_dir())",
            ],
            env,
            run_dir,
        ).split()
        assert len(where) == 5
        for path in where:
            assert Path(path).is_relative_to(venv), path
            assert not Path(path).is_relative_to(ROOT), path

        _run([str(parkgis), "db", "up"], env, run_dir)
        migrated = _run([str(parkgis), "db", "migrate"], env, run_dir)
        _run([str(parkgis), "demo", "load"], env, run_dir, timeout=600)
        pages = _serve_and_fetch(parkgis, env, run_dir)
    finally:
        if external:
            _drop_external(external, env)
        else:
            subprocess.run([str(parkgis), "db", "down"], env=env, cwd=run_dir, check=False)

    ready = json.loads(pages["/readyz"])
    assert ready["status"] == "ok" and ready["revision"] in migrated
    collections = {c["id"] for c in json.loads(pages["/collections"])["collections"]}
    assert {"parcels", "units", "roads"} <= collections
    assert pages["/static/vendor/leaflet/leaflet.js"].startswith(b"/* @preserve")
