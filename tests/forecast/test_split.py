"""split_styles: a whole style forecast split over colour × size variants in one call."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from kuaifan.forecast import Forecast, build_forecast, split_styles, top_down


def styles_and_mix(n_styles: int, level: float, seed: int) -> tuple[Forecast, pl.DataFrame]:
    """A style forecast (last day 4, horizon 9) and 3–12 variants per style, listed in a shuffled
    order so the splitting order (forecast order, then mix order) differs from the sorted ids."""
    rng = np.random.default_rng(seed)
    q = np.sort(rng.lognormal(np.log(level), 0.8, (n_styles, 9, 3)), axis=2)
    ids = [f"s{i:02d}" for i in range(n_styles)]
    fc = build_forecast(ids, [4] * n_styles, q, 60, seed)
    rows = []
    for s in ids:
        v = int(rng.integers(3, 13))
        # sixteenths: the prior's sum is exact in any order, so alpha matches top_down bit for bit
        prior = rng.integers(1, 9, v) / 16.0
        seen = rng.poisson(4.0, v).astype(np.float64)
        names = [f"{s}-{x}" for x in rng.permutation(v)]
        rows += [(s, names[j], prior[j], seen[j]) for j in range(v)]
    mix = pl.DataFrame(rows, schema=["style", "unique_id", "prior", "observed"], orient="row")
    return fc, mix.sample(fraction=1.0, shuffle=True, seed=seed)


@pytest.mark.parametrize("level", [30.0, 2.0e5])  # the second exceeds uint16 counts: the other quantile path
def test_split_is_top_down_per_style_with_the_paths_own_quantiles(level: float) -> None:
    fc, mix = styles_and_mix(25, level, seed=3)
    out = split_styles(fc, mix, prior_weight=12.0, seed=7)
    assert out.ids == sorted(mix["unique_id"].to_list())
    assert out.samples.shape == (mix.height, 60, 9)
    # the same draws as top_down style by style, styles in forecast order, variants in mix order
    rng = np.random.default_rng(7)
    row = {u: i for i, u in enumerate(out.ids)}
    for k, sid in enumerate(fc.ids):
        part = mix.filter(pl.col("style") == sid)
        want = top_down(fc.samples[k], part["prior"].to_numpy(), part["observed"].to_numpy(), rng, 12.0)
        got = out.samples[[row[u] for u in part["unique_id"]]]
        assert np.array_equal(got, want)
    q = out.quantiles.sort("unique_id", "ds")
    assert q["unique_id"].unique(maintain_order=True).to_list() == out.ids
    assert q.group_by("unique_id").agg(pl.col("ds").min())["ds"].unique().to_list() == [5]
    expected = np.quantile(out.samples, [0.1, 0.5, 0.9], axis=1)
    for i, name in enumerate(("p10", "p50", "p90")):
        np.testing.assert_allclose(q[name].to_numpy().reshape(len(out.ids), 9), expected[i], rtol=1e-12)
    if level > 1e4:
        assert out.samples.max() > np.iinfo(np.uint16).max


def test_split_keeps_style_totals_and_the_mix_on_average() -> None:
    fc, mix = styles_and_mix(6, 400.0, seed=5)
    out = split_styles(fc, mix, prior_weight=50.0, seed=1)
    row = {u: i for i, u in enumerate(out.ids)}
    for k, sid in enumerate(fc.ids):
        part = mix.filter(pl.col("style") == sid)
        paths = out.samples[[row[u] for u in part["unique_id"]]]
        assert paths.sum(axis=0).mean() == pytest.approx(fc.samples[k].mean(), rel=0.03)
        prior, seen = part["prior"].to_numpy(), part["observed"].to_numpy()
        alpha = 50.0 * prior / prior.sum() + seen
        share = paths.sum(axis=(1, 2)) / paths.sum()
        assert share == pytest.approx(alpha / alpha.sum(), abs=0.03)


def test_split_rejects_a_bad_mix() -> None:
    fc, mix = styles_and_mix(3, 30.0, seed=2)
    with pytest.raises(ValueError, match="columns: prior"):
        split_styles(fc, mix.drop("prior"))
    with pytest.raises(ValueError, match="lacks: zz"):
        split_styles(
            fc, pl.concat([mix, pl.DataFrame([("zz", "zz-0", 1.0, 0.0)], schema=mix.schema, orient="row")])
        )
    with pytest.raises(ValueError, match="no variants for styles: s01"):
        split_styles(fc, mix.filter(pl.col("style") != "s01"))
    with pytest.raises(ValueError, match="once"):
        split_styles(fc, pl.concat([mix, mix.head(1)]))
    negative = mix.with_columns(
        pl.when(pl.col("style") == "s02").then(-1.0).otherwise("prior").alias("prior")
    )
    with pytest.raises(ValueError, match="style s02"):
        split_styles(fc, negative)
    missing = mix.with_columns(
        pl.when(pl.col("style") == "s00").then(None).otherwise("observed").alias("observed")
    )
    with pytest.raises(ValueError, match="style s00"):
        split_styles(fc, missing)
