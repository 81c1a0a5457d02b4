"""The report pages open in a real browser (headless Chromium): the index links resolve, and a
province brief renders its map and figures (a non-blank screenshot with colour, the expected text).

Runs when Chromium is installed (``.ci/run`` installs Debian's ``chromium`` if it is missing).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import SMALL_REPORT_CONFIG

from povmodel.config import load_config
from povmodel.reports.runner import run_reports

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = [pytest.mark.report, pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                          text=True, timeout=120)


def screenshot(tmp_path: Path, page: Path, name: str) -> np.ndarray:
    from PIL import Image

    target = tmp_path / f"{name}.png"
    chromium(tmp_path, f"--screenshot={target}", "--window-size=1280,2400", "--virtual-time-budget=5000",
             page.as_uri())
    assert target.is_file(), f"Chromium wrote no screenshot of {page}"
    return np.asarray(Image.open(target).convert("RGB"), dtype=int)


def dom(tmp_path: Path, page: Path) -> str:
    return chromium(tmp_path, "--dump-dom", "--virtual-time-budget=5000", page.as_uri()).stdout


@pytest.fixture(scope="module")
def pages(tmp_path_factory, report_run):
    tmp = tmp_path_factory.mktemp("browser")
    cfg = tmp / "browser.yaml"
    cfg.write_text(f"extends: {SMALL_REPORT_CONFIG}\nname: browser\noutput_dir: {tmp / 'reports'}\n"
                   "language: vi\nreports: [overview, province_brief]\nreport_settings:\n  briefs: ['01']\n",
                   encoding="utf-8")
    result = run_reports(load_config(cfg), jobs=2, progress_bar=False)
    assert not result.failed
    return tmp, result.run_dir


def test_index_opens_and_every_link_resolves(pages):
    tmp, run_dir = pages
    html = dom(tmp, run_dir / "index.html")
    assert "Báo cáo tóm tắt cấp tỉnh" in html  # rendered DOM, in Vietnamese
    links = re.findall(r'href="([^"]+)"', html)
    assert "province_brief_01.html" in links and "overview.html" in links
    for link in links:
        assert (run_dir / link).is_file(), link


def test_province_brief_renders_map_and_figures(pages):
    tmp, run_dir = pages
    page = run_dir / "province_brief_01.html"
    text = dom(tmp, page)
    assert "Hà Nội" in text and "<img" in text
    pixels = screenshot(tmp, page, "brief")
    non_white = (pixels < 245).any(axis=2)
    assert non_white.mean() > 0.03, "the page looks blank"
    saturation = pixels.max(axis=2) - pixels.min(axis=2)
    assert (saturation > 60).sum() > 2000, "no coloured map or chart pixels"
    assert len(np.unique(pixels.reshape(-1, 3) // 16, axis=0)) > 50
