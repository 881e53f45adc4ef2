"""Types of the compiled hot path (kuaifan/text/_hot/*.c); see kuaifan.text.compiled."""

from collections.abc import Callable, Sequence
from typing import Any

HOTPATH_VERSION: int

class Model:
    def __init__(
        self, weights: dict[str, float], bias: float, alpha: float, scale: float, min_chars: int
    ) -> None: ...
    def logit(self, norm: str) -> float: ...

class IntentTable:
    def __init__(self, weights: dict[str, tuple[float, ...]], bias: tuple[float, ...]) -> None: ...
    def probabilities(self, norm: str) -> list[float]: ...

class Engine:
    def __init__(
        self,
        spec: dict[str, list[Any]],
        comment_type: type,
        fields: tuple[str, ...],
        intents: tuple[str, ...],
        fold_width: Callable[[str], str],
    ) -> None: ...
    def classify_many(
        self, texts: Sequence[str], fallback: Callable[[str], Any], model: Any, intents: IntentTable | None
    ) -> list[Any]: ...
    def classify(
        self, text: str, fallback: Callable[[str], Any], model: Any, intents: IntentTable | None
    ) -> Any: ...
    def norm(self, text: str) -> str | None: ...

def composing_starters() -> list[int]: ...
