"""The README's "Try the guide" section, run as written against `make run`: every shell block
in order, in one bash, from the checkout's root; each `status <id>   # → <expected>` line
must print what its comment says."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_make_run import ROOT, Running, start  # noqa: F401 (start: a fixture)

pytestmark = pytest.mark.e2e
SECTION = "## Try the guide"
EXPECTED = re.compile(r"^status (\d+)(?: [a-z_]+)?\s+# → (.+)$", re.MULTILINE)
PRINTED = re.compile(r"^#(\d+) (.*)$", re.MULTILINE)


def readme_section() -> str:
    text = (ROOT / "README.md").read_text()
    start_at = text.index(SECTION)
    end = text.find("\n## ", start_at + len(SECTION))
    return text[start_at : end if end != -1 else None]


def shell_blocks(section: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)


def test_the_section_names_every_error_of_the_guide() -> None:
    section = readme_section()
    expected = [m[2] for m in EXPECTED.finditer(section)]
    for code in (
        "customer_not_found", "product_not_mapped", "qbo_auth", "duplicate", "tax_not_mapped",
        "invalid_account", "qbo_timeout", "rate_limited", "on_hold", "missing_field",
    ):  # fmt: skip
        assert any(code in e for e in expected), code
    assert len(shell_blocks(section)) >= 11


def test_try_the_guide_runs_as_written(start: Any, tmp_path: Path) -> None:  # noqa: F811
    # QuickBooks' rate window scaled down (the README's throttled order waits one window).
    run: Running = start(QBO_LIMIT_MINUTE_SECONDS="8")
    qbo = next(line.split()[2] for line in run.lines if line.startswith("sandbox QBO"))
    key_file = tmp_path / "demo-api-key"
    key_file.write_text(run.key)
    script = "set -euo pipefail\n" + "\n".join(shell_blocks(readme_section()))
    env = {"API": run.api, "QBO": qbo, "SHOPIFY": run.shopify, "DEMO_KEY_FILE": str(key_file)}
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]

    expected = [(m[1], m[2]) for m in EXPECTED.finditer(readme_section())]
    printed = [(m[1], m[2]) for m in PRINTED.finditer(done.stdout)]
    assert [order for order, _ in printed] == [order for order, _ in expected], output[-4000:]
    for (order, wanted), (_, seen) in zip(expected, printed, strict=True):
        choices = [choice.strip() for choice in wanted.split("|")]
        assert any(f"{seen} ".startswith(f"{choice} ") for choice in choices), (order, seen)
