"""Vendor the map viewers' JavaScript and CSS from the npm registry (``python -m api.vendor``).

The pages load every script and stylesheet from ``/static/vendor/...`` so they work on an
intranet with no internet. This script runs ``npm pack <name>@<pinned version>`` for each
package, extracts only the dist files the pages use into ``api/static/vendor/<dir>/`` and
writes a stamp file with the versions; when the stamp matches, it returns at once.

Only Leaflet and Leaflet.VectorGrid are needed: the folium maps override folium's default
CDN list (jQuery, Bootstrap, awesome-markers, Font Awesome) with this minimal set.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"
STAMP = ".parkgis-vendor.json"


@dataclass(frozen=True)
class Package:
    """One npm package, pinned, and the files of its tarball the pages need."""

    name: str
    version: str
    folder: str
    files: tuple[str, ...]  # paths inside the tarball's ``package/``; a trailing "/" = folder


PACKAGES = (
    Package(
        "leaflet",
        "1.9.4",
        "leaflet",
        ("dist/leaflet.js", "dist/leaflet.css", "dist/images/", "LICENSE"),
    ),
    Package(
        "leaflet.vectorgrid",
        "1.3.0",
        "leaflet.vectorgrid",
        (
            "dist/Leaflet.VectorGrid.bundled.min.js",
            "package.json",
        ),  # no LICENSE file: Beerware per package.json
    ),
    # The interactive API documentation (/docs, /redoc), served offline like the maps.
    Package(
        "swagger-ui-dist",
        "5.17.14",
        "swagger-ui",
        ("swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"),
    ),
    Package("redoc", "2.5.0", "redoc", ("bundles/redoc.standalone.js", "LICENSE")),
)


class VendorError(RuntimeError):
    """npm is missing or a package could not be fetched."""


def _wanted() -> dict[str, str]:
    return {p.name: p.version for p in PACKAGES}


def _complete(target: Path) -> bool:
    stamp = target / STAMP
    if not stamp.is_file():
        return False
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
    except ValueError:
        return False
    if recorded != _wanted():
        return False
    for pkg in PACKAGES:
        for rel in pkg.files:
            if not (target / pkg.folder / _out_name(rel)).exists():
                return False
    return True


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        msg = (
            "npm is not installed: the map viewers' JavaScript (Leaflet, Leaflet.VectorGrid) is "
            "vendored from the npm registry. Install Node.js/npm (Debian: apt-get install npm) "
            "and run `python -m api.vendor` again."
        )
        raise VendorError(msg)
    return npm


def _out_name(rel: str) -> str:
    """Where a tarball path lands: files and folders by their last name (dist/x.js -> x.js)."""
    return Path(rel.rstrip("/")).name


def _extract(pkg: Package, tarball: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball) as tar:
        files = {m.name: m for m in tar.getmembers() if m.isfile()}
        for rel in pkg.files:
            if rel.endswith("/"):
                prefix = f"package/{rel}"
                chosen = {
                    name[len(prefix) :]: m for name, m in files.items() if name.startswith(prefix)
                }
                out_dir = dest / _out_name(rel)
            else:
                member = files.get(f"package/{rel}")
                chosen = {"": member} if member is not None else {}
                out_dir = dest / _out_name(rel)
            if not chosen:
                msg = f"{pkg.name}@{pkg.version}: {rel} is not in the npm tarball"
                raise VendorError(msg)
            for sub, member in chosen.items():
                out = out_dir / sub if sub else out_dir
                out.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                if source is None:
                    msg = f"{pkg.name}@{pkg.version}: cannot read {member.name}"
                    raise VendorError(msg)
                out.write_bytes(source.read())


def vendor(target: Path = VENDOR_DIR, force: bool = False) -> bool:
    """Fetch and extract the pinned packages into ``target``; False when already present."""
    if not force and _complete(target):
        return False
    npm = _npm()
    with tempfile.TemporaryDirectory(prefix="parkgis-vendor-") as tmp:
        specs = [f"{p.name}@{p.version}" for p in PACKAGES]
        done = subprocess.run(
            [npm, "pack", "--silent", "--pack-destination", tmp, *specs],
            capture_output=True,
            text=True,
            cwd=tmp,
            check=False,
        )
        if done.returncode != 0:
            msg = f"npm pack {' '.join(specs)} failed:\n{done.stderr.strip()}"
            raise VendorError(msg)
        staging = Path(tmp) / "out"
        for pkg in PACKAGES:
            tarballs = sorted(Path(tmp).glob(f"{pkg.name.replace('/', '-').lstrip('@')}-*.tgz"))
            if not tarballs:
                msg = f"npm pack produced no tarball for {pkg.name}@{pkg.version}"
                raise VendorError(msg)
            _extract(pkg, tarballs[0], staging / pkg.folder)
        (staging / STAMP).write_text(json.dumps(_wanted(), indent=1), encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(staging, target)
    return True


def main() -> int:
    """Command-line entry: vendor, print what happened, exit 1 with the reason on failure."""
    try:
        fetched = vendor(force="--force" in sys.argv[1:])
    except VendorError as exc:
        print(f"vendor: {exc}", file=sys.stderr)
        return 1
    state = "fetched" if fetched else "already present"
    versions = ", ".join(f"{p.name}@{p.version}" for p in PACKAGES)
    print(f"vendor: {versions} {state} in {VENDOR_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
