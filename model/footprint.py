"""How much memory a run takes, estimated before any work starts, so that a world too big for
the machine is refused in one line instead of failing to allocate half-way.

A run holds its world's arrays and a year's temporaries, which grow with the pairs of small
states and great powers and with the states, and a few years' random numbers, at most
``DRAW_CHUNK`` uniforms (model.model). The coefficients are peak resident sizes measured with
``resource.getrusage`` on worlds from 5,000 × 3 to 100,000 × 3 and 20,000 × 50 (about 270 bytes
a pair and 990 a state, and a fixed part), rounded up: ``benchmarks/bench_memory.py`` prints
them beside the estimate."""

from __future__ import annotations

from pathlib import Path

PROCESS_BYTES = 320 << 20  # a process with the model and its libraries loaded
PAIR_BYTES = 300  # per (small state, great power)
STATE_BYTES = 1_100  # per small state
# a chunk of years' uniforms and the bits they come from (48 MB), the compiled year as it
# loads, and the blocks the allocator keeps (benchmarks/bench_memory.py measures the sum)
RUN_OVERHEAD = 110 << 20
ROW_BYTES = 1_000  # a kept record row (one run's small state) as the engine's tables hold it


def run_bytes(n_small: int, n_great: int) -> int:
    """The peak memory of one run of a world of ``n_small`` states and ``n_great`` powers,
    beyond its process's own."""
    return PAIR_BYTES * n_small * n_great + STATE_BYTES * n_small + RUN_OVERHEAD


def available_bytes() -> int:
    """Memory this process may still take: the system's available memory, or what is left
    under the control group's limit where that is lower."""
    import psutil

    free = psutil.virtual_memory().available
    limit, used = Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory.current")
    try:
        text = limit.read_text().strip()
        if text != "max":
            free = min(free, int(text) - int(used.read_text()))
    except (OSError, ValueError):
        pass
    return free


def needed_bytes(n_small: int, n_great: int, workers: int, rows: int = 0) -> int:
    """What a command needs: each worker process with one run in hand, and the record rows the
    command keeps in memory."""
    return workers * (PROCESS_BYTES + run_bytes(n_small, n_great)) + ROW_BYTES * rows


def gib(n: int) -> str:
    return f"{n / (1 << 30):,.1f} GiB"
