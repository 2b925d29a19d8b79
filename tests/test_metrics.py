"""Ranking metrics against scikit-learn and hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from intel.analytics.metrics import average_precision, k_for_fraction, precision_at_fraction, precision_at_k


@pytest.mark.parametrize("seed", range(8))
def test_average_precision_equals_sklearn_on_random_data(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 400))
    y = rng.random(n) < rng.uniform(0.05, 0.6)
    y[0] = True
    # rounded scores create ties, which sklearn treats as one threshold
    s = np.round(rng.random(n) + y * rng.uniform(0, 0.8), int(rng.integers(1, 4)))
    assert average_precision(y, s) == pytest.approx(average_precision_score(y, s), abs=1e-12)


def test_average_precision_hand_cases():
    assert average_precision([1, 1, 0, 0], [4, 3, 2, 1]) == pytest.approx(1.0)
    assert average_precision([0, 0, 1, 1], [4, 3, 2, 1]) == pytest.approx((1 / 3 + 2 / 4) / 2)
    assert average_precision([1, 0], [0.5, 0.5]) == pytest.approx(0.5)  # a tie enters as one group
    assert math.isnan(average_precision([0, 0], [0.2, 0.1]))


def test_precision_at_k_counts_positives_in_the_top_and_breaks_ties_by_position():
    y = [0, 1, 1, 0, 1]
    s = [0.9, 0.8, 0.8, 0.1, 0.0]
    assert precision_at_k(y, s, 1) == 0.0
    assert precision_at_k(y, s, 3) == pytest.approx(2 / 3)
    assert precision_at_k(y, s, 50) == pytest.approx(3 / 5)  # k capped at the population
    assert math.isnan(precision_at_k([], [], 5))


def test_precision_at_fraction_rounds_the_top_up():
    assert k_for_fraction(100, 0.05) == 5
    assert k_for_fraction(101, 0.05) == 6
    assert k_for_fraction(3, 0.05) == 1
    assert k_for_fraction(0, 0.05) == 0
    y = np.r_[np.ones(5), np.zeros(95)]
    s = np.linspace(1, 0, 100)
    assert precision_at_fraction(y, s, 0.05) == 1.0
    assert precision_at_fraction(y, s, 0.10) == 0.5


def test_mismatched_lengths_are_an_error():
    with pytest.raises(ValueError, match="differ in length"):
        precision_at_k([1, 0], [0.1], 1)
