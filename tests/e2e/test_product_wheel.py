"""The product ships without the sandbox: its wheel and its Docker image hold app/ only."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e
LOCAL = (".git", ".venv", "var", "build", "dist", "*.egg-info", "__pycache__", ".*_cache")


def test_the_product_wheel_holds_app_and_no_sandbox(tmp_path: Path) -> None:
    # Built from a copy, as from a fresh clone: a build in place would leave build/ behind.
    source = tmp_path / "ledgerport"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*LOCAL))
    assert (source / "sandbox" / "ledgerport_sandbox" / "qbo.py").exists()
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", tmp_path, source],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("ledgerport-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {"app/settings.py", "app/api/main.py", "app/cli.py"} <= set(names)
    packages = {name.split("/")[0] for name in names if not name.split("/")[0].endswith("-info")}
    assert packages == {"app"}
    assert [name for name in names if "sandbox" in name] == []


def test_the_docker_image_copies_no_sandbox() -> None:
    copied = re.findall(r"^COPY\s+(.+?)\s+\S+$", (ROOT / "Dockerfile").read_text(), re.M)
    sources = {part for line in copied for part in line.split()}
    assert "app" in sources
    assert not any("sandbox" in source or source == "." for source in sources)
