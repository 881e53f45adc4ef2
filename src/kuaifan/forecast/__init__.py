"""kuaifan.forecast — demand distributions per variant: quantiles (p10/p50/p90) and sample paths.

    from kuaifan.forecast import LGBMQuantile, StatsBaseline, split_styles
    model = LGBMQuantile().fit(history)              # unique_id, ds, y (+ scale, static features)
    fc = model.predict(14, history=first_days, n_samples=50)
    fc.quantiles   # unique_id, ds, p10, p50, p90
    fc.samples     # (series, 50, 14) → the planner's demand_scenarios
    variants = split_styles(fc, mix)  # style → colour × size: mix has style, unique_id, prior, observed

:class:`LaunchCurve` learns one launch shape from a shop's own styles when there is too little
history for LightGBM. :class:`LevelCalibrated` wraps one of them with its level bias and spread
measured on held-out series (what the backtest uses). Every forecaster follows :class:`Forecaster`
and runs the same contract test. statsforecast,
mlforecast and lightgbm are imported when a model is fitted (the ``forecast`` extra).
"""

from kuaifan.forecast.base import Forecast, Forecaster, build_forecast, check_history, coverage, wape
from kuaifan.forecast.baselines import StatsBaseline
from kuaifan.forecast.calibrated import LevelCalibrated
from kuaifan.forecast.curve import LaunchCurve
from kuaifan.forecast.lgbm import LGBMQuantile, calibrate_interval, widen
from kuaifan.forecast.topdown import expected_shares, split_styles, top_down

__all__ = [
    "Forecast",
    "Forecaster",
    "LGBMQuantile",
    "LaunchCurve",
    "LevelCalibrated",
    "StatsBaseline",
    "build_forecast",
    "calibrate_interval",
    "check_history",
    "coverage",
    "expected_shares",
    "split_styles",
    "top_down",
    "wape",
    "widen",
]
