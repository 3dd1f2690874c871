"""The one-folder bundle builds and passes its own self-test (slow: several minutes).

Run it by itself: `.venv/bin/pytest -m slow tests/packaging`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STEP_LINES = 9  # one per self-test step


@pytest.mark.slow
@pytest.mark.timeout(3600)
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="build.sh builds on Linux")
def test_build_sh_builds_a_bundle_that_passes_its_self_test(tmp_path: Path) -> None:
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    env = {
        **os.environ,
        "DIST_DIR": str(tmp_path / "dist"),
        "WORK_DIR": str(tmp_path / "work"),
    }
    env.pop("THREADLINE_HOME", None)
    done = subprocess.run(
        ["bash", str(ROOT / "packaging" / "build.sh")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, f"{out}\n{done.stderr[-4000:]}"

    bundle = tmp_path / "dist" / "threadline"
    assert (bundle / "threadline").is_file()
    from app import __version__

    assert (bundle / "VERSION").read_text(encoding="utf-8").strip() == __version__
    # Every self-test run (offscreen, then without a network when possible) passed every step.
    runs = out.count("self-test passed")
    assert runs >= 1
    assert len(re.findall(r"^ok   .+ \(\d+\.\d\ds\)$", out, re.M)) == STEP_LINES * runs
    assert "FAIL" not in out
    assert re.search(r"^bundle: .+ \(Threadline .+, .+, \d+ files\)$", out, re.M)
    assert re.search(r"^time to first window on the demo case: \d+\.\d\ds", out, re.M)
