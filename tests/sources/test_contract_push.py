"""The push contract over every push adapter."""

from __future__ import annotations

import pytest
from kits import DoudianKit, DouyinKit, KuaishouKit, TiktokKit

from kuaifan.testing.sources import PushKit, check_push_source

KITS = {"douyin_live": DouyinKit, "doudian": DoudianKit, "tiktok_shop": TiktokKit, "kuaishou": KuaishouKit}


@pytest.mark.parametrize("name", sorted(KITS))
def test_push_contract(name: str) -> None:
    kit: PushKit = KITS[name]()
    check_push_source(kit)


def test_the_contract_catches_an_adapter_that_accepts_any_signature() -> None:
    kit = DouyinKit()
    real = kit.source

    class Lenient:
        name, platform = real.name, real.platform

        def verify(self, request):  # type: ignore[no-untyped-def]
            return real.verify(request) if request.headers.get("x-signature") == "never" else _verified()

        def parse(self, request):  # type: ignore[no-untyped-def]
            return real.parse(request)

        def ok_reply(self):  # type: ignore[no-untyped-def]
            return real.ok_reply()

        def fail_reply(self):  # type: ignore[no-untyped-def]
            return real.fail_reply()

    kit.source = Lenient()  # type: ignore[assignment]
    with pytest.raises(AssertionError, match="wrong secret was accepted"):
        check_push_source(kit, fuzz_examples=0)


def _verified():  # type: ignore[no-untyped-def]
    from kuaifan.sources.push import Verified

    return Verified(sent_ms=None, nonce=None)
