"""The learned answer scorer: its fit, its calibration, its packaged parameters, and
that retraining from the stored rows reproduces them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from core.errors import ModelError
from rag.features import FEATURES
from rag.scorer import Scorer, calibrate, fit, packaged_scorer

ROOT = Path(__file__).resolve().parents[2]


def _data(n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    rows = rng.normal(size=(n, len(FEATURES)))
    labels = (rows[:, 0] - 0.5 * rows[:, 1] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return rows, labels


def test_fit_learns_the_signs_and_ranks_the_positives_first() -> None:
    rows, labels = _data()
    scorer = fit(rows, labels)
    assert scorer.weights[0] > 0 > scorer.weights[1]
    assert abs(scorer.weights[5]) < abs(scorer.weights[0]) / 5  # noise gets little weight
    p = scorer.probability(rows)
    assert p[labels == 1].mean() > 0.7 > 0.3 > p[labels == 0].mean()


def test_fit_is_deterministic() -> None:
    rows, labels = _data()
    assert fit(rows, labels).to_json() == fit(rows, labels).to_json()


def test_calibration_maps_probabilities_to_observed_rates() -> None:
    rng = np.random.default_rng(3)
    best = rng.uniform(0.01, 0.99, size=4000)
    right = (rng.uniform(size=4000) < best**2).astype(int)  # overconfident leads
    scorer = calibrate(fit(*_data()), best, right)
    for p in (0.3, 0.6, 0.9):
        assert scorer.confidence(p) == pytest.approx(p**2, abs=0.08)
    assert scorer.confidence(0.2) < scorer.confidence(0.5) < scorer.confidence(0.8)


def test_parameters_round_trip_and_refuse_other_features() -> None:
    scorer = fit(*_data())
    again = Scorer.from_json(json.loads(json.dumps(scorer.to_json())))
    rows, _ = _data(20)
    assert np.allclose(again.probability(rows), scorer.probability(rows), atol=1e-4)
    data = scorer.to_json()
    data["features"] = data["features"][:-1]
    with pytest.raises(ModelError, match="retrain"):
        Scorer.from_json(data)


def test_packaged_scorer_is_small_and_loads() -> None:
    path = ROOT / "rag" / "scorer_params.json"
    assert path.stat().st_size < 16_000
    scorer = packaged_scorer()
    assert scorer.names == FEATURES
    assert 0.0 < scorer.confidence(0.5) < 1.0


def test_retraining_from_the_stored_rows_reproduces_the_packaged_parameters(tmp_path) -> None:
    sys.path.insert(0, str(ROOT))
    from bench import train_scorer

    if not train_scorer.ROWS_FILE.exists():
        pytest.skip(f"{train_scorer.ROWS_FILE} is absent: build it with `train_scorer.py rows`")
    sources, questions, labels, rows = train_scorer.load_rows()
    scorer = train_scorer.train_full(train_scorer.keys_of(sources, questions), labels, rows)
    packaged = json.loads((ROOT / "rag" / "scorer_params.json").read_text())
    assert scorer.to_json() == packaged
