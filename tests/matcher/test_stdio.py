"""`matcher.stdio.descriptor_1_to`: the one place that points file descriptor 1 elsewhere (HiGHS's banner,
`samspill solve`'s plan on standard output)."""

from __future__ import annotations

import os
import tempfile

import pytest

from matcher.stdio import descriptor_1_to


def test_descriptor_1_goes_to_the_target_and_comes_back_even_after_an_error(capfd: pytest.CaptureFixture[str]) -> None:
    with tempfile.TemporaryFile() as f:
        os.write(1, b"before\n")
        with pytest.raises(RuntimeError), descriptor_1_to(f.fileno()):
            os.write(1, b"inside\n")
            raise RuntimeError("the block fails")
        os.write(1, b"after\n")
        f.seek(0)
        inside = f.read().decode()
    assert inside == "inside\n"
    out = capfd.readouterr().out
    assert out == "before\nafter\n"
