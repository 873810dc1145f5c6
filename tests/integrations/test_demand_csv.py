"""Demand CSV reader: happy paths, date bucketing and hostile input."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from integrations.demand_csv import DemandFileError, read_demand_csv


def write(tmp_path: Path, text: str, name: str = "demand.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_integer_periods(tmp_path: Path) -> None:
    data = read_demand_csv(write(tmp_path, "series_id,period,quantity\na,1,2\na,2,0\nb,2,5\nb,1,1.5\n"))
    assert data.ids == ["a", "b"]
    assert data.periods == ["1", "2"]
    np.testing.assert_array_equal(data.Y, [[2, 0], [1.5, 5]])
    assert data.complete.all()


def test_dates_are_bucketed_to_months_and_summed(tmp_path: Path) -> None:
    text = (
        "\ufeffSeries_ID, Period ,Quantity,note\n"
        "x,2024-01-03,1,first\n"
        "x,2024-01-20,2,same month\n"
        "x,2024-03-01,4,\n"
        "y,2024-02,7,\n"
    )
    data = read_demand_csv(write(tmp_path, text))
    assert data.periods == ["2024-01", "2024-02", "2024-03"]
    np.testing.assert_array_equal(data.Y[0], [3, np.nan, 4])
    assert data.missing.tolist() == [1, 2]
    assert data.incomplete_ids == ["x", "y"]


def test_incomplete_series_reported_or_filled(tmp_path: Path) -> None:
    path = write(tmp_path, "series_id,period,quantity\na,1,1\na,2,1\na,3,1\nb,1,4\nb,3,4\n")
    data = read_demand_csv(path)
    assert data.incomplete_ids == ["b"]
    ids, Y = data.complete_series()
    assert ids == ["a"] and Y.shape == (1, 3)
    filled = read_demand_csv(path, fill_missing=True)
    np.testing.assert_array_equal(filled.Y[1], [4, 0, 4])
    assert filled.complete.all()


def test_stream_input() -> None:
    data = read_demand_csv(io.StringIO("series_id,period,quantity\nz,5,1\n"))
    assert data.periods == ["5"] and data.Y.tolist() == [[1.0]]


@pytest.mark.parametrize(
    ("text", "row", "column", "value", "message"),
    [
        ("series_id,quantity\na,1\n", 1, None, None, "missing column(s) period"),
        ("series_id,period,quantity\na,1,lots\n", 2, "quantity", "lots", "must be a number"),
        ("series_id,period,quantity\na,1,2\na,2,-1\n", 3, "quantity", "-1", "must not be negative"),
        ("series_id,period,quantity\na,1,nan\n", 2, "quantity", "nan", "finite"),
        ("series_id,period,quantity\na,1,2\nb,1,2\na,1,3\n", 4, "period", "1", "duplicate row"),
        ("series_id,period,quantity\na,2024-02-30,1\n", 2, "period", "2024-02-30", "day is out of range"),
        ("series_id,period,quantity\na,2024-13,1\n", 2, "period", "2024-13", "month must be 01-12"),
        ("series_id,period,quantity\na,1.5,1\n", 2, "period", "1.5", "integer or an ISO date"),
        ("series_id,period,quantity\na,1,1\na,2024-01,1\n", 3, "period", "2024-01", "period style"),
        ("series_id,period,quantity\n,1,1\n", 2, "series_id", "", "series_id is empty"),
        ("series_id,period,quantity\na,1\n", 2, None, None, "expected at least 3 fields"),
    ],
)
def test_hostile_rows(tmp_path: Path, text: str, row: int, column: str | None, value: str | None, message: str) -> None:
    with pytest.raises(DemandFileError) as info:
        read_demand_csv(write(tmp_path, text))
    err = info.value
    assert (err.row, err.column, err.value) == (row, column, value)
    assert message in err.message
    assert str(err).startswith("demand.csv, line ")
    assert "\n" not in str(err)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file"),
        ("series_id,period,quantity\n", "no data rows"),
        ("series_id,period,quantity\na,1,1\na,99999,1\n", "periods span"),
    ],
)
def test_hostile_files(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DemandFileError, match=message):
        read_demand_csv(write(tmp_path, text))


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(DemandFileError, match="file not found"):
        read_demand_csv(tmp_path / "nope.csv")
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"series_id,period,quantity\n\xff\xfe,1,1\n")
    with pytest.raises(DemandFileError, match="not UTF-8"):
        read_demand_csv(binary)
