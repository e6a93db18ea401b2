"""`python -m kpidash survey-load`: a rejected file never replaces the loaded one."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpidash import config
from kpidash.__main__ import main

GOOD = "region_code,year,share,n,ci_low,ci_high,source,note\n00,2023,9.5,1500,8.0,11.0,test fixture,\n"


@pytest.fixture()
def survey_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(config, "SURVEY_DIR", tmp_path / "survey")
    return tmp_path / "survey"


def test_good_file_is_installed_and_bad_file_changes_nothing(survey_dir: Path, tmp_path: Path, capsys) -> None:
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    assert main(["survey-load", str(good)]) == 0
    installed = survey_dir / "living_outlook.csv"
    assert installed.read_text(encoding="utf-8") == GOOD
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD.replace("9.5", "120"), encoding="utf-8")
    assert main(["survey-load", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "row 2" in err and "share" in err
    assert installed.read_text(encoding="utf-8") == GOOD  # the last good file is untouched
    assert sorted(p.name for p in survey_dir.iterdir()) == ["living_outlook.csv"]


def test_missing_file_is_a_clear_error(survey_dir: Path, tmp_path: Path, capsys) -> None:
    assert main(["survey-load", str(tmp_path / "nope.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err
