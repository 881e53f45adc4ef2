"""``check_forecaster``: the contract every demand forecaster keeps (``kuaifan.forecast.Forecaster``).

    from kuaifan.testing import check_forecaster
    check_forecaster(lambda: MyForecaster())

A forecaster learns from a panel (``unique_id``, ``ds`` consecutive integer days, ``y`` >= 0, optional
``scale``) and predicts, for its own series or a new history, a ``Forecast``: samples per series
(series in sorted order) and p10 <= p50 <= p90 quantiles from the day after each history, the samples
following those quantiles, the same seed giving the same samples. A history a forecaster cannot
read is refused with a ValueError naming the problem.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from kuaifan.forecast.base import Forecaster, check_history

H = 7


def launch_panel(n: int = 40, days: int = 21, seed: int = 0) -> pl.DataFrame:
    """Decaying launch curves of different sizes: what new products of a live shop look like."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        size = float(rng.lognormal(3.5, 0.7))
        tau = float(rng.uniform(4, 12))
        for d in range(days):
            lam = size if d == 0 else 0.5 * size * np.exp(-(d - 1) / tau)
            rows.append((f"s{i:02d}", d, float(rng.poisson(lam)), size))
    return pl.DataFrame(rows, schema=["unique_id", "ds", "y", "scale"], orient="row")


def check_forecaster(make: Callable[[], Forecaster], *, panel: pl.DataFrame | None = None) -> None:
    """Fit one forecaster from ``make`` on ``panel`` (default: ``launch_panel()``) and check it."""
    panel = launch_panel() if panel is None else panel
    model = make().fit(panel)
    _shapes_order_and_samples(model, panel)
    _new_history_and_one_day_series(model)
    _refuses_bad_history(model)


def _shapes_order_and_samples(fitted: Forecaster, panel: pl.DataFrame) -> None:
    fc = fitted.predict(H, n_samples=200, seed=1)
    ids = sorted(panel["unique_id"].unique().to_list())
    assert fc.ids == ids and fc.samples.shape == (len(ids), 200, H), "one sample path per series and day"
    q = fc.quantiles
    assert q.height == len(ids) * H
    last = int(panel["ds"].max())  # type: ignore[arg-type]
    assert q.group_by("unique_id").agg(pl.col("ds").min())["ds"].unique().to_list() == [last + 1], (
        "the forecast starts the day after the history"
    )
    assert ((q["p10"] <= q["p50"]) & (q["p50"] <= q["p90"]) & (q["p10"] >= 0)).all(), (
        "p10 <= p50 <= p90, >= 0"
    )
    assert (fc.samples >= 0).all(), "no negative demand"
    p90 = q.sort("unique_id", "ds")["p90"].to_numpy().reshape(len(ids), H)
    below = (fc.samples <= p90[:, None, :] + 1e-9).mean()
    assert 0.8 <= below <= 1.0, f"samples follow the quantiles ({below:.2f} at or below p90)"
    again = fitted.predict(H, n_samples=200, seed=1)
    assert np.array_equal(fc.samples, again.samples), "the same seed gives the same samples"


def _new_history_and_one_day_series(fitted: Forecaster) -> None:
    fresh = launch_panel(n=3, days=8, seed=9)
    first_day = fresh.filter(pl.col("ds") == 0)  # a style right after its launch stream
    for hist in (fresh, first_day):
        fc = fitted.predict(H, history=hist, n_samples=20)
        assert fc.ids == ["s00", "s01", "s02"] and fc.samples.shape == (3, 20, H), "a new history is forecast"
        assert fc.quantiles["p50"].is_finite().all()


def _refuses_bad_history(fitted: Forecaster) -> None:
    cases = (
        (pl.DataFrame({"unique_id": ["a"], "y": [1.0]}), "columns"),
        (
            pl.DataFrame({"unique_id": ["a", "a"], "ds": [0, 2], "y": [1.0, 2.0], "scale": [1.0, 1.0]}),
            "consecutive",
        ),
    )
    for history, word in cases:
        try:
            fitted.predict(H, history=history)
        except ValueError as exc:
            assert word in str(exc), f"the refusal names the problem ({word!r}): {exc}"
        else:
            raise AssertionError(f"a history with bad {word} must be refused")
    try:
        check_history(pl.DataFrame({"unique_id": ["a"], "ds": [0], "y": [-1.0]}))
    except ValueError as exc:
        assert "non-negative" in str(exc)
    else:
        raise AssertionError("negative demand must be refused")
