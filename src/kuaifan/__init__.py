"""kuaifan (快反): live-stream commerce demand → small first batches and quick re-orders."""

__version__ = "0.1.0"
