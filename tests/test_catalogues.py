"""French however the app starts: the catalogues are compiled at start-up
when missing or stale, and a catalogue that cannot be built stops the start
with a sentence, never a silent English interface."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tasking.core import catalogues
from tests.conftest import real_clock_env

from .conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def copy_catalogues(tmp_path: Path) -> Path:
    target = tmp_path / "translations"
    shutil.copytree(ROOT / "translations", target, ignore=shutil.ignore_patterns("*.mo", "*.pot"))
    return target


def test_a_missing_catalogue_is_compiled_and_a_stale_one_rebuilt(tmp_path):
    directory = copy_catalogues(tmp_path)
    po = directory / "fr/LC_MESSAGES/messages.po"
    mo = po.with_suffix(".mo")
    assert not catalogues.is_current(po)
    assert catalogues.ensure_compiled(directory) == directory
    assert catalogues.is_current(po)
    built = mo.stat().st_mtime_ns
    assert catalogues.ensure_compiled(directory) == directory
    assert mo.stat().st_mtime_ns == built  # current: left alone

    # A translation changed after the last build: the next start rebuilds it.
    po.write_text(po.read_text().replace('msgstr "Se connecter"', 'msgstr "Ouvrir une session"'))
    older = po.stat().st_mtime - 60
    os.utime(mo, (older, older))
    catalogues.ensure_compiled(directory)
    assert b"Ouvrir une session" in mo.read_bytes()


def test_code_the_service_cannot_write_gets_its_catalogues_under_instance(tmp_path):
    """A clone owned by root, served by an unprivileged user: the catalogues
    are built under the instance folder, and the pages are French."""
    directory = copy_catalogues(tmp_path)
    (directory / "fr/LC_MESSAGES").chmod(0o555)
    instance = tmp_path / "instance"
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from tasking.core import catalogues\n"
        "print(catalogues.ensure_compiled(Path(sys.argv[1]), Path(sys.argv[2])))\n"
    )
    # Root without CAP_DAC_OVERRIDE obeys file modes as any user would.
    result = subprocess.run(
        ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", sys.executable, "-c", script,
         str(directory), str(instance / "translations")],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(instance / "translations")
    assert not (directory / "fr/LC_MESSAGES/messages.mo").exists()
    assert b"Se connecter" in (instance / "translations/fr/LC_MESSAGES/messages.mo").read_bytes()

    # Neither place writable: the start stops with the sentence.
    instance.chmod(0o555)
    (instance / "translations/fr/LC_MESSAGES/messages.mo").unlink()
    (instance / "translations/fr/LC_MESSAGES").chmod(0o555)
    result = subprocess.run(
        ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", sys.executable, "-c", script,
         str(directory), str(instance / "translations")],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert "cannot be written (Permission denied): run `scripts/i18n compile`" in result.stderr


def test_an_unreadable_catalogue_stops_the_start_with_a_sentence(tmp_path):
    directory = copy_catalogues(tmp_path)
    po = directory / "fr/LC_MESSAGES/messages.po"
    po.write_text(po.read_text() + "\nthis line is not gettext\n")
    with pytest.raises(catalogues.CatalogueError, match="cannot be read"):
        catalogues.ensure_compiled(directory)


def test_no_catalogue_at_all_is_an_error(tmp_path):
    with pytest.raises(catalogues.CatalogueError, match="pages would be English"):
        catalogues.ensure_compiled(tmp_path)


def clean_copy(destination: Path) -> Path:
    """The repository as a fresh clone of this work would have it: the files
    git tracks or would track, nothing it ignores (no .mo, no .venv)."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    assert not list(destination.glob("translations/**/*.mo"))
    return destination


def environment(copy: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in real_clock_env(dict(os.environ)).items()
        if not key.startswith(("DATABASE_", "MAIL_", "APP_", "FLASK_", "SECRET_"))
    }
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        DATABASE_URL=f"sqlite:///{copy / 'instance' / 'fresh.db'}",
        SECRET_KEY="a-fresh-clone-secret-key",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def run(copy: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=copy,
        env=environment(copy),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def fresh_clone(tmp_path_factory) -> Iterator[Path]:
    """A clean copy with its schema, as an operator has it before starting a server."""
    copy = clean_copy(tmp_path_factory.mktemp("clone"))
    upgraded = run(copy, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    yield copy


def serve(copy: Path, command: list[str], port: int) -> Iterator[str]:
    process = subprocess.Popen(
        command, cwd=copy, env=environment(copy), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _attempt in range(300):
            try:
                requests.get(base + "/readyz", timeout=5)
                break
            except requests.RequestException:
                assert process.poll() is None, process.stderr.read().decode()
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def assert_french_pages_and_mail(base: str, copy: Path) -> None:
    session = requests.Session()
    login = session.get(base + "/login", timeout=5).text
    assert 'lang="fr-CA"' in login
    assert "Se connecter" in login and "Mot de passe" in login
    assert "Sign in" not in login
    forgot = session.get(base + "/password/forgot", timeout=5).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', forgot).group(1)
    sent = session.post(
        base + "/password/forgot",
        data={"email": "marie@ville.qc.ca", "csrf_token": token},
        timeout=10,
    )
    assert sent.status_code == 200 and "un lien pour choisir un nouveau mot de passe" in sent.text
    with sqlite3.connect(copy / "instance" / "fresh.db") as database:
        subject, body = database.execute(
            "SELECT subject, body_text FROM outbox_message ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert "mot de passe" in subject.lower() and "password" not in subject.lower()
    assert "Bonjour" in body


def test_a_clean_clone_speaks_french_under_gunicorn(fresh_clone):
    def create_marie(org: str) -> subprocess.CompletedProcess:
        marie = ["marie@ville.qc.ca", "--name", "Marie", "--password", "Correct-Horse-42"]
        return run(fresh_clone, "users", "create", *marie, "--org", org, "--role", "admin")

    # The CLI answers in French too (here: the organisation does not exist).
    refused = create_marie("nowhere")
    assert refused.returncode != 0 and "Rétablir cannot start" not in refused.stderr
    assert refused.stderr.strip() == "Erreur\u00a0: Organisation inconnue\u00a0: «\u00a0nowhere\u00a0»."
    created = run(fresh_clone, "orgs", "create", "ville", "--name", "Ville")
    assert created.stdout.startswith("Organisation ville créée")
    assert create_marie("ville").returncode == 0
    port = free_port()
    gunicorn = [str(BIN / "gunicorn"), "--workers", "2", "--no-control-socket"]
    gunicorn += ["--bind", f"127.0.0.1:{port}", "wsgi:app"]
    for base in serve(fresh_clone, gunicorn, port):
        assert_french_pages_and_mail(base, fresh_clone)


def test_a_clean_clone_speaks_french_under_flask_run(fresh_clone):
    port = free_port()
    for base in serve(fresh_clone, [str(BIN / "flask"), "--app", "wsgi", "run", "--port", str(port)], port):
        login = requests.get(base + "/login", timeout=5).text
        assert 'lang="fr-CA"' in login and "Se connecter" in login and "Sign in" not in login


def test_a_broken_catalogue_stops_every_start_with_one_sentence(tmp_path):
    copy = clean_copy(tmp_path)
    po = copy / "translations/fr/LC_MESSAGES/messages.po"
    po.write_text(po.read_text() + "\nthis line is not gettext\n")
    result = run(copy, "db", "upgrade")
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Rétablir cannot start: The translation catalogue") and "cannot be read" in last
    assert "Traceback" not in result.stderr
