"""File descriptor 1 pointed elsewhere for a while: the solvers' C code writes to the process's standard
output past every option that turns its log off, where `samspill solve` may be writing a plan."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def descriptor_1_to(target: int) -> Iterator[None]:
    """File descriptor 1 is `target` (an open descriptor, which the caller closes) inside the block and what
    it was before afterwards, however the block ends; Python's buffered `sys.stdout` is flushed on both
    sides, so that nothing written before lands after, or the other way round."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(target, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
