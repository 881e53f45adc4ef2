"""The official signature test vectors, and the self-computed examples of PLATFORMS.md."""

from __future__ import annotations

import base64

from kuaifan.sources import doudian, douyin_live, kuaishou, tiktok_shop

DOUYIN_HEADERS = {"x-nonce-str": "123456", "x-timestamp": "456789", "x-roomid": "268"}


def test_douyin_official_vector_user_group() -> None:
    headers = DOUYIN_HEADERS | {"x-msg-type": "user_group"}
    assert douyin_live.sign(headers, "abc123你好".encode(), "123abc") == "GAkalGmhzqlUGQO/TgvMug=="


def test_douyin_official_vector_live_gift() -> None:
    headers = DOUYIN_HEADERS | {"x-msg-type": "live_gift"}
    assert douyin_live.sign(headers, "abc123你好".encode(), "123abc") == "PDcKhdlsrKEJif6uMKD2dw=="


def test_douyin_signature_ignores_other_headers() -> None:
    headers = DOUYIN_HEADERS | {
        "x-msg-type": "live_gift",
        "content-type": "application/json",
        "x-signature": "x",
    }
    assert douyin_live.sign(headers, "abc123你好".encode(), "123abc") == "PDcKhdlsrKEJif6uMKD2dw=="


def test_douyin_platforms_md_comment_example() -> None:
    body = (
        '[{"msg_id":"m-001","sec_openid":"u_fake_1","content":"M码还有吗",'
        '"avatar_url":"https://example.invalid/a.png","nickname":"测试用户","timestamp":1767225599000}]'
    )
    headers = {
        "x-nonce-str": "n0nce42", "x-timestamp": "1767225600000", "x-roomid": "7400000000000000001",
        "x-msg-type": "live_comment",
    }  # fmt: skip
    assert douyin_live.sign(headers, body.encode(), "secret_demo") == "NAgoECTYssIzJcjXDNrRCw=="


def test_tiktok_official_vector() -> None:
    body = (
        '{"type":1,"tts_notification_id":"7380066284010030890","shop_id":"7495540735365777507",'
        '"timestamp":1718305585,"data":{"is_on_hold_order":true,"order_id":"576653688135258178",'
        '"order_status":"UNPAID","update_time":1718305585}}'
    )
    expected = "5dec0f11ec2f6783b8deee53c9ffbf8d024302f7c7e7fa55a35d17629031ac05"
    assert tiktok_shop.sign("abcdef", body.encode(), "123") == expected


def test_doudian_platforms_md_example() -> None:
    body = (
        '[{"tag":"101","msg_id":"7300000000000000001","data":"{\\"p_id\\":6900000000000000001,'
        '\\"s_ids\\":[6900000000000000001],\\"shop_id\\":1234567,\\"order_status\\":2,\\"order_type\\":0,'
        '\\"pay_type\\":1,\\"pay_time\\":1767225600,\\"pay_amount\\":12900,\\"biz\\":2}"}]'
    )
    assert doudian.sign("7000000000000000001", body.encode(), "doudian_secret_demo") == (
        "729902665bb4911100fe651b4358755d"
    )


def test_kuaishou_round_trip_with_zero_iv() -> None:
    key = base64.b64encode(bytes(range(16))).decode()
    plain = b'{"eventId":"267_2345_147402","event":"kwaishop_order_paySuccess"}'
    cipher = kuaishou.encrypt(plain, key)
    assert kuaishou.decrypt(cipher, key) == plain
    # AES-CBC with a zero IV: the first block is plain AES-ECB of the first 16 bytes.
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    enc = Cipher(algorithms.AES(bytes(range(16))), modes.ECB()).encryptor()
    assert base64.b64decode(cipher)[:16] == enc.update(plain[:16]) + enc.finalize()


def test_event_times_in_either_unit() -> None:
    from kuaifan.sources.push import epoch_ms

    assert epoch_ms(1767225600) == 1767225600000
    assert epoch_ms("1767225600000") == 1767225600000
    assert epoch_ms(0) is None and epoch_ms("soon") is None and epoch_ms(True) is None
