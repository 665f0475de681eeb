"""Driving the console headless (tests, the screenshot script, benchmarks)."""

from __future__ import annotations

from typing import Any


async def settle(pilot: Any, rounds: int = 3) -> None:
    """Let messages, workers (backend calls) and the refreshes they trigger run out.

    ``pilot`` is a ``textual.pilot.Pilot``; waiting on conditions, not on the clock,
    keeps this correct on a loaded machine.
    """
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()
