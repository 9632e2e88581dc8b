"""The learned sentence scorer: logistic regression over ``rag.features.FEATURES``.

Its parameters are a small JSON file inside the package (``scorer_params.json``),
written by ``bench/train_scorer.py`` from labelled data built out of ../shared/data
and our own dev sets. ``probability`` is the chance that a sentence states the
answer to the question; the answerer's confidence comes from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from core.errors import ModelError
from rag.features import FEATURES

PARAMS_FILE = "scorer_params.json"


@dataclass(frozen=True)
class Scorer:
    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    # Maps the lead sentence's probability to the probability that the answer is right
    # (Platt scaling on the logit, fitted per question by ``calibrate``).
    slope: float = 1.0
    intercept: float = 0.0

    def probability(self, rows: np.ndarray) -> np.ndarray:
        if rows.size == 0:
            return np.zeros(0)
        z = ((rows - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def confidence(self, p: float) -> float:
        """The calibrated probability that an answer led by a sentence of probability
        ``p`` is supported."""
        p = min(max(p, 1e-6), 1 - 1e-6)
        z = self.slope * float(np.log(p / (1 - p))) + self.intercept
        return float(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))))

    def to_json(self) -> dict[str, Any]:
        return {
            "model": "logistic regression, L2, Newton's method on standardised features",
            "features": list(self.names),
            "mean": [round(float(x), 6) for x in self.mean],
            "scale": [round(float(x), 6) for x in self.scale],
            "weights": [round(float(x), 6) for x in self.weights],
            "bias": round(float(self.bias), 6),
            "confidence": {
                "slope": round(float(self.slope), 6),
                "intercept": round(float(self.intercept), 6),
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Scorer:
        names = tuple(data["features"])
        if names != FEATURES:
            raise ModelError(
                f"{PARAMS_FILE} was trained on other features than rag.features defines; "
                "retrain it with `python bench/train_scorer.py`"
            )
        return cls(
            names,
            np.array(data["mean"], dtype=np.float64),
            np.array(data["scale"], dtype=np.float64),
            np.array(data["weights"], dtype=np.float64),
            float(data["bias"]),
            float(data.get("confidence", {}).get("slope", 1.0)),
            float(data.get("confidence", {}).get("intercept", 0.0)),
        )


@lru_cache(maxsize=1)
def packaged_scorer() -> Scorer:
    text = resources.files("rag").joinpath(PARAMS_FILE).read_text(encoding="utf-8")
    return Scorer.from_json(json.loads(text))


def fit(
    rows: np.ndarray,
    labels: np.ndarray,
    sample_weight: np.ndarray | None = None,
    l2: float = 1.0,
    iterations: int = 50,
) -> Scorer:
    """Logistic regression by Newton's method: deterministic, so retraining on the same
    rows gives the same parameters."""
    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    scale[scale < 1e-9] = 1.0
    x = np.hstack([(rows - mean) / scale, np.ones((len(rows), 1))])
    y = labels.astype(np.float64)
    sw = np.ones(len(y)) if sample_weight is None else sample_weight.astype(np.float64)
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[-1] = 0.0  # the bias is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        gradient = x.T @ (sw * (p - y)) + penalty * w
        hessian = (x * (sw * p * (1 - p))[:, None]).T @ x + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.abs(step).max()) < 1e-10:
            break
    return Scorer(FEATURES, mean, scale, w[:-1], float(w[-1]))


def calibrate(scorer: Scorer, best: np.ndarray, right: np.ndarray) -> Scorer:
    """``scorer`` with its confidence mapping fitted: ``best`` holds each question's
    lead probability, ``right`` whether that lead holds the answer (0 for questions the
    passages cannot answer)."""
    p = np.clip(best, 1e-6, 1 - 1e-6)
    z = np.log(p / (1 - p))[:, None]
    one = fit(z, right, l2=1e-3)
    # fit() standardises its input; fold that back into slope and intercept on the logit.
    slope = float(one.weights[0] / one.scale[0])
    intercept = float(one.bias - one.weights[0] * one.mean[0] / one.scale[0])
    return replace(scorer, slope=slope, intercept=intercept)
