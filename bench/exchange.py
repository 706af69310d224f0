"""Benchmark of the exports and imports on a large plan.

Builds, on a temporary SQLite file (or DATABASE_URL), an organisation with the
ASCQ plan, then measures in process, with Flask's test client:

- importing 3,000 new rows from CSV (preview, then confirm);
- exporting the 3,145-action plan as xlsx, csv and docx;
- importing that xlsx back unchanged (preview says "no changes");
- importing it with 3,000 statuses changed (preview, then confirm);
- the Word export imported back as a new plan (preview, then confirm).

Usage:
    .venv/bin/python bench/exchange.py
Prints a Markdown table (seconds, one run each: these are long operations).
"""

from __future__ import annotations

import csv
import io
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import os  # noqa: E402

from databases import notices_read  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from tasking import create_app  # noqa: E402
from tasking.core.clock import utcnow  # noqa: E402
from tasking.extensions import db  # noqa: E402
from tasking.orgs import services as orgs  # noqa: E402
from tasking.plans.template import import_template  # noqa: E402

PASSWORD = "Bench-Exchange-2026"


def timed(label: str, rows: list[tuple[str, float, str]], call, note: str = ""):  # noqa: ANN001
    start = time.perf_counter()
    result = call()
    rows.append((label, time.perf_counter() - start, note))
    return result


def upload(client, url: str, content: bytes, name: str):  # noqa: ANN001
    return client.post(url, data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def confirm(client, page: str):  # noqa: ANN001
    url = re.search(r'action="(/[^"]+/confirm)"', page).group(1)
    response = client.post(url)
    # The tasks import streams its progress then its outcome; the Word one redirects.
    body = response.get_data(as_text=True)
    assert response.status_code == 303 or "flash-success" in body, response.status_code
    return response


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or "sqlite:///" + str(Path(tmp) / "bench.db")
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "bench",
                "WTF_CSRF_ENABLED": False,
                "MAIL_SERVER": None,
            }
        )
        with app.app_context():
            upgrade()
            now = utcnow()
            org = orgs.create_organisation(db.session, "bench", "Ville Banc d'essai", None, now=now)
            orgs.create_user(
                db.session,
                email="admin@bench.ca",
                name="Admin Banc",
                password=PASSWORD,
                org=org,
                role="admin",
                now=now,
            )
            plan_id = import_template(db.session, org, now).plan_id
            notices_read(db.session, now)
            db.session.commit()
            client = app.test_client()
            client.post("/login", data={"email": "admin@bench.ca", "password": PASSWORD})
            rows: list[tuple[str, float, str]] = []

            out = io.StringIO()
            writer = csv.writer(out, delimiter=";")
            writer.writerow(["ID", "Enjeu", "Objectif opérationnel", "Action", "Statut", "Échéance"])
            objective = "Soutenir le rétablissement des services aux personnes vulnérables"
            for n in range(3000):
                writer.writerow(["", "Enjeux sociaux", objective, f"Action {n}", "À faire", "2027-01-15"])
            content = out.getvalue().encode()
            page = timed(
                "CSV import of 3,000 new rows: preview",
                rows,
                lambda: upload(client, f"/plans/{plan_id}/import", content, "lot.csv").get_data(as_text=True),
            )
            timed("CSV import of 3,000 new rows: confirm", rows, lambda: confirm(client, page))

            files = {}
            for extension in ("xlsx", "csv", "docx"):
                files[extension] = timed(
                    f"export.{extension} of 3,145 actions",
                    rows,
                    lambda ext=extension: client.get(f"/plans/{plan_id}/export.{ext}").data,
                )
                rows[-1] = (*rows[-1][:2], f"{len(files[extension]) // 1024} KB")
            page = timed(
                "xlsx import unchanged: preview",
                rows,
                lambda: upload(client, f"/plans/{plan_id}/import", files["xlsx"], "p.xlsx").get_data(
                    as_text=True
                ),
            )
            assert "Aucun changement" in page
            book = load_workbook(io.BytesIO(files["xlsx"]))
            sheet = book["Tâches"]
            for row in range(2, 3002):
                sheet.cell(row=row, column=6).value = "En cours"
            buffer = io.BytesIO()
            book.save(buffer)
            page = timed(
                "xlsx import, 3,000 statuses changed: preview",
                rows,
                lambda: upload(client, f"/plans/{plan_id}/import", buffer.getvalue(), "p.xlsx").get_data(
                    as_text=True
                ),
            )
            timed("xlsx import, 3,000 statuses changed: confirm", rows, lambda: confirm(client, page))
            page = timed(
                "Word export as a new plan: preview",
                rows,
                lambda: upload(client, f"/orgs/{org.id}/plans/import-docx", files["docx"], "p.docx").get_data(
                    as_text=True
                ),
            )
            timed("Word export as a new plan: confirm", rows, lambda: confirm(client, page))
            db.engine.dispose()

    print(f"| operation ({url.split(':', 1)[0]}) | seconds | note |")
    print("|---|---:|---|")
    for label, seconds, note in rows:
        print(f"| {label} | {seconds:.2f} | {note} |")


if __name__ == "__main__":
    main()
