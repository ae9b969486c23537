"""The codes the model's arrays hold for what a state does and how it ended.

Kept apart from the compiled model so that reading records (model.records, the analysis of a
sweep) needs neither numba nor the model's arrays.
"""

from __future__ import annotations

from enum import IntEnum


class Strategy(IntEnum):
    """What a state is doing; for great powers, toward the leading other power."""

    BALANCE = 0
    BANDWAGON = 1
    HEDGE = 2

    def __str__(self) -> str:
        return self.name.lower()


class EndCause(IntEnum):
    """How a small state's existence ended (Fazal 2007)."""

    NONE = 0
    CONQUERED = 1
    ABSORBED = 2
