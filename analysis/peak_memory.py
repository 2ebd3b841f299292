"""The peak resident memory of a benchmark's process, the same way in every benchmark script."""

from __future__ import annotations

import resource
import sys
from pathlib import Path


def peak_rss_mb() -> float:
    """Peak resident memory of this process's own memory image so far, MB (10^6 bytes): VmHWM in /proc/self/status
    where there is one (Linux). ru_maxrss, the fallback (KiB on Linux, bytes on macOS), would not do on Linux: there a
    process started by another counts its starter's peak too (the kernel carries it across exec), so the large case,
    started by a benchmark that had already run the app and the sweeps, read 402 MB "after imports" instead of 222."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e6
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6
