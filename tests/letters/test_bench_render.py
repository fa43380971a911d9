"""A short run of bench/render.py: it renders the shipped letters and ends with its RESULT line."""

import re
import subprocess
import sys

from app.config import PROJECT_ROOT


def test_the_render_benchmark_runs_and_reports_its_result_line() -> None:
    run = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "bench" / "render.py"),
            "--letters",
            "25",
            "--repeats",
            "1",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    last = run.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"RESULT letters_per_s=\d+ ratio_vs_str_format=\d+\.\d+", last), last
    assert "25 distinct" in run.stdout
