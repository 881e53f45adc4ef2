"""Growth and incrementality: store vs influencer economics, new-to-brand buyers, repeat cohorts,
trust that accumulates (信任沉淀), buyer overlap; randomised experiments (uplift); causal impact
of an intervention on a time series (Bayesian structural time series); and whether live streams
make the cake bigger or only move shelf demand (incrementality).

Pure functions from data to data; reading files and the store happens at the edges
(``kuaifan.app.growth``).
"""
