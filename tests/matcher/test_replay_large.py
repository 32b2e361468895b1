"""bench/replay_large.py: it keeps `mip.solve_large`'s HiGHS models, labelled, and replays them."""

from __future__ import annotations

import pickle
import re
import sys
from pathlib import Path
from types import ModuleType

import msgspec
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def replay_large() -> ModuleType:
    sys.path.insert(0, str(BENCH))
    import replay_large as module

    return module


def test_capture_labels_the_models_and_replay_agrees_where_both_end_optimal(
    replay_large: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import register  # the bench's generator (on the path with replay_large)

    scenario = tmp_path / "r.json"
    scenario.write_bytes(msgspec.json.encode(register.generate(2000, 500, 1)))
    models = tmp_path / "r.models"
    assert replay_large.main(["capture", str(scenario), str(models)]) == 1  # 5 000 pairs: not the large path
    assert not models.exists()
    assert replay_large.main(["capture", str(scenario), str(models), "--force-large"]) == 0
    with models.open("rb") as f:
        kept = pickle.load(f)
    kinds = [m["kind"] for m in kept]
    # the fit polish's LP rounds (`fitlp`) run on the second core beside the coverage steps, so where they fall
    # among the `hard` and `fill` models depends on the machine's speed (under a loaded test run they came before
    # the second round's `hard`); the coverage LP comes first and the polish's branch and bound last
    assert kinds[0] == "lp" and kinds[-1] == "fit" and kinds.count("fitlp") == 2, kinds
    assert "hard" in kinds and "fill" in kinds, kinds
    capsys.readouterr()
    opts = '{"mip_heuristic_run_root_reduced_cost": false}'
    assert replay_large.main(["replay", str(models), "--kinds", "hard", "--options", opts]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if " hard " in line]
    assert len(lines) == kinds.count("hard")
    for line in lines:
        ends = re.findall(r"termination (\d+), value ([0-9.]+), bound ([0-9.]+)", line)
        assert len(ends) == 2 and ends[0][0] == ends[1][0] == "1", line  # both proven
        assert ends[0][1] == ends[1][1] == ends[0][2] == ends[1][2], line  # the same optimum either way


def test_replay_refuses_unknown_kinds_and_options_that_are_not_an_object(
    replay_large: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (["--kinds", "hard,bogus"], ["--options", "[1]"], ["--options", "{nope"], ["--repeat", "0"]):
        with pytest.raises(SystemExit) as exc:
            replay_large.main(["replay", str(tmp_path / "none.models"), *args])
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert args[0] in err and "Traceback" not in err
