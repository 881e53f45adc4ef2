from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from clirun import invoke


def test_jsonl_keeps_every_key_and_adds_the_fields() -> None:
    line = json.dumps({"id": "x1", "room": "r", "text": "已拍L 我165 120斤会不会大"}, ensure_ascii=False)
    result = invoke("text", "classify", "-", input=line + "\n")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["id"] == "x1" and out["room"] == "r"
    assert (out["intent"], out["height_cm"], out["weight_kg"], out["size"]) == ("size_fit", 165, 60.0, "L")
    assert {"color", "link_no", "confidence", "sentiment", "spam"} <= set(out)


def test_plain_lines_and_bad_lines_with_line_numbers() -> None:
    data = '黑色还有吗\n{"text": 3}\n\n{broken\n3号链接\n'
    result = invoke("text", "classify", "-", input=data)
    assert result.exit_code == 0
    rows = [json.loads(x) for x in result.stdout.splitlines()]
    assert [(r["text"], r["intent"]) for r in rows] == [("黑色还有吗", "stock"), ("3号链接", "link")]
    assert rows[1]["link_no"] == 3
    assert "第 2 行" in result.stderr and "line 2" in result.stderr
    assert "第 4 行" in result.stderr and "line 4: invalid JSON" in result.stderr
    assert "skipped 2" in result.stderr


def test_json_only_rejects_plain_lines_and_strict_fails() -> None:
    result = invoke("text", "classify", "-", "--json", "--strict", input="黑色还有吗\n")
    assert result.stdout == ""
    assert "line 1" in result.stderr
    assert result.exit_code != 0


def test_file_argument_and_extra_lexicon(tmp_path: Path) -> None:
    src = tmp_path / "c.jsonl"
    src.write_text('{"text": "车车呢"}\n', encoding="utf-8")
    lex = tmp_path / "lex.toml"
    lex.write_text('[intents.link]\n"车车" = 4\n', encoding="utf-8")
    result = invoke("text", "classify", str(src), "--lexicon", str(lex))
    assert json.loads(result.stdout)["intent"] == "link"


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    result = invoke("text", "classify", str(tmp_path / "nope.jsonl"))
    assert result.exit_code != 0


def test_invalid_utf8_is_reported_and_the_rest_goes_on(tmp_path: Path) -> None:
    src = tmp_path / "mixed.txt"
    src.write_bytes("包邮吗\n".encode() + b"\xff\xfe\n" + "多少钱\n".encode())
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from kuaifan.cli import main; main()",
            "text",
            "classify",
            str(src),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    assert [json.loads(x)["intent"] for x in proc.stdout.splitlines()] == ["shipping", "price"]
    assert "line 2" in proc.stderr and "UTF-8" in proc.stderr
