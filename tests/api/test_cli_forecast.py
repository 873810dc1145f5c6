"""`ims forecast backtest`: JSON and table output, and readable failures with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from api.cli_forecast import forecast_app

runner = CliRunner()


def demand_file(tmp_path: Path, n: int = 40, periods: int = 24) -> Path:
    rng = np.random.default_rng(7)
    Y = (rng.random((n, periods)) < 0.5) * rng.poisson(4, (n, periods))
    lines = ["series_id,period,quantity"]
    lines += [f"p{i:03d},{t + 1},{Y[i, t]}" for i in range(n) for t in range(periods)]
    path = tmp_path / "demand.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_json_output(tmp_path: Path) -> None:
    result = runner.invoke(forecast_app, ["backtest", str(demand_file(tmp_path)), "--horizon", "6", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows[-1]["method"] == "auto"
    assert {"ses", "croston", "sba", "tsb", "adida"} <= {r["method"] for r in rows}
    for r in rows:
        assert set(r) == {"method", "MASE", "RMSSE", "bias", "seconds"}
        assert isinstance(r["MASE"], float) and r["seconds"] >= 0


def test_table_output_with_season(tmp_path: Path) -> None:
    path = demand_file(tmp_path)
    result = runner.invoke(forecast_app, ["backtest", str(path), "--horizon", "6", "--season", "12"])
    assert result.exit_code == 0, result.output
    assert "auto" in result.stdout and "seasonal" in result.stdout and "RMSSE" in result.stdout


def test_incomplete_series_are_skipped_with_warning(tmp_path: Path) -> None:
    path = demand_file(tmp_path)
    path.write_text(path.read_text() + "late,24,3\n")
    result = runner.invoke(forecast_app, ["backtest", str(path), "--horizon", "6", "--json"])
    assert result.exit_code == 0
    assert "skipped 1 series" in result.stderr
    json.loads(result.stdout)


def test_bad_file_exits_2_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("series_id,period,quantity\na,1,3\na,2,-4\n")
    result = runner.invoke(forecast_app, ["backtest", str(path), "--horizon", "1"])
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert message.count("\n") == 0
    assert "line 3" in message and "quantity" in message and "-4" in message


def test_missing_file_and_oversized_horizon_exit_2(tmp_path: Path) -> None:
    missing = runner.invoke(forecast_app, ["backtest", str(tmp_path / "none.csv"), "--horizon", "3"])
    assert missing.exit_code == 2 and "file not found" in missing.stderr
    path = demand_file(tmp_path, n=3, periods=8)
    too_long = runner.invoke(forecast_app, ["backtest", str(path), "--horizon", "7"])
    assert too_long.exit_code == 2 and "training periods" in too_long.stderr
