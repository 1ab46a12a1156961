"""The private PostgreSQL/PostGIS cluster parkgis runs when no database URL is given.

``initdb`` + ``pg_ctl`` from the machine's PostgreSQL binaries, a data folder inside the
project (``PARKGIS_DATA_DIR``), loopback only, its own port, password authentication.
As root the server runs as the unprivileged system user ``parkgis`` (PostgreSQL refuses
to run as root). Where the PostGIS extension is missing on Debian/Ubuntu as root, the
distribution's package is installed; elsewhere the exact command is printed.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from parkgis.config import Settings
from parkgis.errors import LocalDatabaseError

SYSTEM_USER = "parkgis"


@dataclass(frozen=True)
class Cluster:
    """Paths and parameters of the private cluster."""

    root: Path
    port: int
    user: str
    database: str

    @property
    def pgdata(self) -> Path:
        return self.root / "pgdata"

    @property
    def password_file(self) -> Path:
        return self.root / "pg-password"

    @property
    def log_file(self) -> Path:
        return self.root / "postgresql.log"

    def password(self) -> str:
        return self.password_file.read_text(encoding="ascii").strip()

    def url(self, database: str | None = None) -> str:
        """SQLAlchemy URL of a database in this cluster."""
        name = database or self.database
        return (
            f"postgresql+psycopg2://{quote(self.user)}:{quote(self.password())}"
            f"@127.0.0.1:{self.port}/{quote(name)}"
        )


def cluster_for(settings: Settings) -> Cluster:
    """The private cluster described by the settings."""
    return Cluster(
        root=settings.data_path / "pg",
        port=settings.pg_port,
        user=settings.pg_user,
        database=settings.pg_database,
    )


def find_bindir() -> Path:
    """Folder of the PostgreSQL server binaries (initdb, pg_ctl, postgres)."""
    env = os.environ.get("PARKGIS_PG_BINDIR")
    # An explicit choice is the only candidate: never fall back silently.
    candidates = [Path(env)] if env else _default_bindirs()
    for path in candidates:
        if (path / "initdb").exists() and (path / "pg_ctl").exists():
            return path
    msg = (
        f"PostgreSQL server binaries (initdb, pg_ctl) not found in {[str(c) for c in candidates]}. "
        "Install them, e.g. on "
        "Debian/Ubuntu: sudo apt-get install postgresql postgresql-15-postgis-3 ; or set "
        "PARKGIS_DATABASE_URL to an existing PostGIS database."
    )
    raise LocalDatabaseError(msg)


def _default_bindirs() -> list[Path]:
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0:
            candidates.append(Path(out.stdout.strip()))
    candidates.extend(
        sorted(
            Path("/usr/lib/postgresql").glob("*/bin"),
            key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
            reverse=True,
        )
    )
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    return candidates


def _major_version(bindir: Path) -> str:
    out = subprocess.run(
        [str(bindir / "pg_ctl"), "--version"], capture_output=True, text=True, check=True
    )
    # "pg_ctl (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
    return out.stdout.split(")")[1].strip().split(".")[0].split()[0]


def _sharedir(bindir: Path) -> Path:
    pg_config = bindir / "pg_config"
    if pg_config.exists():
        out = subprocess.run(
            [str(pg_config), "--sharedir"], capture_output=True, text=True, check=False
        )
        if out.returncode == 0:
            return Path(out.stdout.strip())
    return Path("/usr/share/postgresql") / _major_version(bindir)


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _is_debian() -> bool:
    return Path("/etc/debian_version").exists()


def ensure_postgis(bindir: Path, log: list[str]) -> None:
    """Make sure the PostGIS extension is installed for these binaries."""
    control = _sharedir(bindir) / "extension" / "postgis.control"
    if control.exists():
        return
    package = f"postgresql-{_major_version(bindir)}-postgis-3"
    if _is_root() and _is_debian():
        log.append(f"PostGIS missing: installing the distribution package {package}")
        done = _apt_install([package])
        if done.returncode != 0:
            msg = f"installing {package} failed:\n{done.stderr[-2000:]}"
            raise LocalDatabaseError(msg)
        if control.exists():
            return
    msg = (
        f"The PostGIS extension is not installed for PostgreSQL in {bindir}. "
        f"Run: sudo apt-get install {package}"
    )
    raise LocalDatabaseError(msg)


def _ensure_system_user() -> None:
    try:
        import pwd

        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SYSTEM_USER,
            ],
            check=True,
            capture_output=True,
        )


def _run(bindir: Path, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a server binary, as the unprivileged system user when we are root."""
    cmd = [str(bindir / args[0]), *args[1:]]
    if _is_root():
        cmd = ["runuser", "-u", SYSTEM_USER, "--", *cmd]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        msg = f"{args[0]} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
        raise LocalDatabaseError(msg)
    return done


def _apt_install(packages: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=False)
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    return done


def _find_or_install_bindir(log: list[str]) -> Path:
    """The server binaries; on Debian as root, install PostgreSQL when it is missing."""
    try:
        return find_bindir()
    except LocalDatabaseError:
        if os.environ.get("PARKGIS_PG_BINDIR") or not (_is_root() and _is_debian()):
            raise
    log.append("PostgreSQL server missing: installing the distribution package postgresql")
    done = _apt_install(["postgresql"])
    if done.returncode != 0:
        msg = f"installing postgresql failed:\n{done.stderr[-2000:]}"
        raise LocalDatabaseError(msg)
    return find_bindir()


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def is_running(cluster: Cluster, bindir: Path | None = None) -> bool:
    """Whether the private cluster's server is up."""
    if not (cluster.pgdata / "PG_VERSION").exists():
        return False
    bindir = bindir or find_bindir()
    return (
        _run(bindir, ["pg_ctl", "status", "-D", str(cluster.pgdata)], check=False).returncode == 0
    )


def _check_writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_text("x")
        probe.unlink()
    except OSError as exc:
        msg = f"data folder {folder} is not writable ({exc.strerror}); set PARKGIS_DATA_DIR"
        raise LocalDatabaseError(msg) from exc


def _initdb(bindir: Path, cluster: Cluster) -> None:
    password = secrets.token_urlsafe(24)
    cluster.password_file.write_text(password + "\n", encoding="ascii")
    cluster.password_file.chmod(0o600)
    pwfile = cluster.root / ".initdb-pw"
    pwfile.write_text(password + "\n", encoding="ascii")
    cluster.pgdata.mkdir(mode=0o700, exist_ok=True)
    if _is_root():
        _ensure_system_user()
        shutil.chown(cluster.pgdata, SYSTEM_USER, SYSTEM_USER)
        shutil.chown(pwfile, SYSTEM_USER, SYSTEM_USER)
    try:
        _run(
            bindir,
            [
                "initdb",
                "-D",
                str(cluster.pgdata),
                "-U",
                cluster.user,
                "--pwfile",
                str(pwfile),
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
        )
    finally:
        pwfile.unlink(missing_ok=True)
    with (cluster.pgdata / "postgresql.auto.conf").open("a", encoding="utf-8") as conf:
        conf.write(
            f"listen_addresses = '127.0.0.1'\nport = {cluster.port}\n"
            "unix_socket_directories = ''\nmax_connections = 200\n"
            "shared_buffers = '512MB'\nwork_mem = '32MB'\nmaintenance_work_mem = '256MB'\n"
            "jit = off\n"
            "fsync = on\nlog_min_messages = warning\n"
        )


def up(settings: Settings) -> list[str]:
    """Start the private cluster (initialising it the first time); return what was done."""
    if settings.database_url:
        return ["PARKGIS_DATABASE_URL is set: using that server, no private cluster started"]
    log: list[str] = []
    cluster = cluster_for(settings)
    bindir = _find_or_install_bindir(log)
    ensure_postgis(bindir, log)
    _check_writable(cluster.root)
    if _is_root():
        _ensure_system_user()
        _check_traversable(cluster.root)
    if not (cluster.pgdata / "PG_VERSION").exists():
        log.append(f"initialising a private cluster in {cluster.pgdata}")
        _initdb(bindir, cluster)
    if is_running(cluster, bindir):
        log.append(f"private cluster already running on 127.0.0.1:{cluster.port}")
    else:
        if _port_in_use(cluster.port):
            msg = (
                f"port {cluster.port} on 127.0.0.1 is taken by another program; "
                "choose another with PARKGIS_PG_PORT"
            )
            raise LocalDatabaseError(msg)
        if _is_root():
            cluster.log_file.touch()
            shutil.chown(cluster.log_file, SYSTEM_USER, SYSTEM_USER)
        _run(
            bindir,
            [
                "pg_ctl",
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                str(cluster.pgdata),
                "-l",
                str(cluster.log_file),
            ],
        )
        log.append(f"private cluster started on 127.0.0.1:{cluster.port}")
    _ensure_database(cluster, log)
    return log


def _check_traversable(folder: Path) -> None:
    """As root the server runs as another user: every parent folder must let it through."""
    for parent in [folder, *folder.parents]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            msg = (
                f"the folder {parent} cannot be entered by the system user '{SYSTEM_USER}' "
                f"that runs PostgreSQL; run 'chmod o+x {parent}' or set PARKGIS_DATA_DIR "
                "to a folder outside it"
            )
            raise LocalDatabaseError(msg)


def _ensure_database(cluster: Cluster, log: list[str]) -> None:
    import psycopg2
    from psycopg2 import sql

    deadline = time.monotonic() + 30
    while True:
        try:
            conn = psycopg2.connect(
                host="127.0.0.1",
                port=cluster.port,
                user=cluster.user,
                password=cluster.password(),
                dbname="postgres",
            )
            break
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            # JIT costs seconds on spatial queries' estimates and helps no parkgis query.
            cur.execute("SELECT current_setting('jit')")
            if cur.fetchone() != ("off",):
                cur.execute("ALTER SYSTEM SET jit = off")
                cur.execute("SELECT pg_reload_conf()")
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (cluster.database,))
            if cur.fetchone() is None:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cluster.database)))
                log.append(f"database {cluster.database} created")
    finally:
        conn.close()


def down(settings: Settings) -> list[str]:
    """Stop the private cluster."""
    cluster = cluster_for(settings)
    if not (cluster.pgdata / "PG_VERSION").exists():
        return ["no private cluster here"]
    bindir = find_bindir()
    if not is_running(cluster, bindir):
        return ["private cluster is not running"]
    _run(bindir, ["pg_ctl", "stop", "-w", "-m", "fast", "-D", str(cluster.pgdata)])
    return ["private cluster stopped"]


def status(settings: Settings) -> str:
    """One line saying where the database is and whether it runs."""
    if settings.database_url:
        return "external database (PARKGIS_DATABASE_URL)"
    cluster = cluster_for(settings)
    if not (cluster.pgdata / "PG_VERSION").exists():
        return f"no private cluster in {cluster.pgdata} (run: parkgis db up)"
    state = "running" if is_running(cluster) else "stopped"
    return f"private cluster {state}: {cluster.pgdata} on 127.0.0.1:{cluster.port}"
