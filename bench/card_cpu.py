"""Server CPU per board card, per first screen and per My tasks, in process.

The data of bench/versus.py (one plan of 2,000 tasks, 500 per status, read by
the organisation's coordinator); requests go through Flask's test client and
the figure is the process's CPU time (``time.process_time``), which waiting
for a core does not inflate: it can be compared on a busy machine, before and
after a change, in the same run. The collector is set as wsgi.py sets it.

    .venv/bin/python bench/card_cpu.py                  # SQLite
    .venv/bin/python bench/card_cpu.py --db both -n 20
    .venv/bin/python bench/card_cpu.py --profile board  # cProfile of the first screen (or: more, mine)

It asserts nothing; issue 15 asks for a card under 0.1 ms of server CPU.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from databases import on_databases  # noqa: E402
from versus import CARD, HTMX, MORE, SECRET, _sign_in_test_client, populate  # noqa: E402

from tasking import create_app  # noqa: E402


def cpu_ms(call: Callable[[], object], n: int) -> float:
    """Median CPU milliseconds of ``n`` calls (after two to warm up)."""
    for _ in range(2):
        call()
    times = []
    for _ in range(n):
        started = time.process_time()
        call()
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times)


def run(url: str, label: str, args: argparse.Namespace) -> list[str]:
    print(f"== {label}: generating…", file=sys.stderr)
    config = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "MAIL_SERVER": None}
    app = create_app({**config, "REQUEST_LOG": os.devnull})
    data = populate(app)
    coordinator, member = app.test_client(), app.test_client()
    _sign_in_test_client(coordinator, data["admin"])
    _sign_in_test_client(member, data["member"])
    board = f"/plans/{data['plan']}/board"
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)

    def get(client, path: str, **kwargs) -> bytes:  # noqa: ANN001, ANN003
        # The body as bytes: decoding it would count the client's work.
        response = client.get(path, **kwargs)
        assert response.status_code == 200, (path, response.status_code)
        return response.data

    def links(page: bytes) -> list[str]:
        return [link.replace("&amp;", "&") for link in MORE.findall(page.decode())]

    first = get(coordinator, board)
    pages, pending = [], links(first)
    while pending:
        link = pending.pop(0)
        page = get(coordinator, link, headers=HTMX)
        pages.append((link, page.count(CARD.encode())))
        pending += links(page)
    shown = first.count(CARD.encode())
    total = shown + sum(cards for _link, cards in pages)

    def every_card() -> None:
        get(coordinator, board)
        for link, _cards in pages:
            get(coordinator, link, headers=HTMX)

    if args.profile:
        call = {
            "board": lambda: get(coordinator, board),
            "more": lambda: get(coordinator, pages[0][0], headers=HTMX),
            "mine": lambda: get(member, "/me/tasks"),
        }[args.profile]
        call()
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.n):
            call()
        profile.disable()
        pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(40)
        return []

    screen = cpu_ms(lambda: get(coordinator, board), args.n)
    whole = cpu_ms(every_card, max(args.n // 4, 3))
    mine = cpu_ms(lambda: get(member, "/me/tasks"), args.n)
    biggest = max((cards for _link, cards in pages), default=0)
    return [
        f"| {label} | first screen | {shown} | {screen:.1f} | {screen / shown:.3f} "
        f"| {len(first) // 1024} KB |",
        f"| {label} | every card ({1 + len(pages)} requests, pages of up to {biggest}) | {total} "
        f"| {whole:.1f} | {whole / total:.3f} | |",
        f"| {label} | My tasks | — | {mine:.1f} | — | |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("-n", type=int, default=20, help="requests per figure (the median is printed)")
    parser.add_argument("--profile", choices=["board", "more", "mine"], help="print a cProfile instead")
    args = parser.parse_args()
    rows = on_databases(args.db, lambda url, label: run(url, label, args))
    if rows:
        print("| database | page | cards | CPU ms / request (median) | CPU ms / card | bytes |")
        print("|---|---|---:|---:|---:|---:|")
        print("\n".join(rows))


if __name__ == "__main__":
    main()
