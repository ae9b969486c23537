"""What produced an output: the package's version, the git commit where the code is a checkout,
and a digest of the model's source (every module of the model, its agents and its scenarios,
with the built-in scenario files), recorded in every output so a result can be traced to the
code that made it."""

from __future__ import annotations

import hashlib
import subprocess
from functools import cache
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL_SOURCES = ("model/*.py", "agents/*.py", "scenarios/*.py", "scenarios/*.toml")


@cache
def version() -> str:
    try:
        return metadata.version("hedgesim")
    except metadata.PackageNotFoundError:
        return "unknown"


@cache
def model_digest() -> str:
    """SHA-256 (first 16 hex digits) of the model's source files, by path and content."""
    digest = hashlib.sha256()
    for path in sorted(p for pattern in MODEL_SOURCES for p in ROOT.glob(pattern)):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@cache
def git_commit() -> str | None:
    """The checkout's commit (with ``+dirty`` when files differ from it), or None outside one."""
    if not (ROOT / ".git").exists():
        return None
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+dirty" if dirty else "")


def provenance() -> dict[str, str | None]:
    """The three, as an output records them."""
    return {"hedgesim_version": version(), "git_commit": git_commit(), "model_digest": model_digest()}
