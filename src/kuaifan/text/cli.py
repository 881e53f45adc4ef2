"""``kuaifan text …``: comment understanding from the command line (a typer sub-app).

Mount with ``app.add_typer(kuaifan.text.cli.app, name="text")``.

``kuaifan text classify [FILE|-] [--json]`` reads one comment per line: a JSON object with a
``text`` key (every other key is kept) or, without ``--json``, also a plain line of text. It writes
one JSON object per input line with ``intent, height_cm, weight_kg, size, color, link_no,
confidence, sentiment, spam`` added (existing keys of those names are replaced). A bad line is
reported on stderr with its line number, in Chinese and English, and the rest goes on; with
``--strict`` the command then exits with code 65.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Annotated, Any

import orjson
import typer

from kuaifan.errors import InputError, RejectedInput
from kuaifan.text.classifier import TextClassifier
from kuaifan.text.lexicon import Lexicon, load_lexicon

app = typer.Typer(
    help="评论理解 / comment understanding",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _group() -> None:
    """评论理解 / comment understanding."""


CHUNK = 4096  # lines classified together (classify_many dedups and vectorises per chunk)


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    zh: str
    en: str

    def message(self) -> str:
        return f"第 {self.line} 行：{self.zh} / line {self.line}: {self.en}"


def parse_line(raw: bytes, line_no: int, *, json_only: bool) -> dict[str, Any] | LineError | None:
    """One input line → the record to classify, a LineError, or None for a blank line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return LineError(line_no, f"不是 UTF-8 编码（{exc.reason}）", f"not UTF-8 ({exc.reason})")
    stripped = text.strip()
    if not stripped:
        return None
    if not json_only and not stripped.startswith("{"):
        return {"text": text.rstrip("\r\n")}
    try:
        obj = orjson.loads(stripped)
    except orjson.JSONDecodeError as exc:
        return LineError(line_no, f"JSON 无法解析：{exc}", f"invalid JSON: {exc}")
    if not isinstance(obj, dict):
        return LineError(line_no, "应为 JSON 对象", "expected a JSON object")
    if not isinstance(obj.get("text"), str):
        return LineError(line_no, "缺少字符串字段 text", "missing string field 'text'")
    return obj


def _lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    for i, raw in enumerate(stream, 1):
        yield i, raw.rstrip(b"\n")


def classify_stream(
    lines: Iterable[tuple[int, bytes]],
    out: IO[str],
    err: IO[str],
    classifier: TextClassifier,
    *,
    json_only: bool = False,
) -> tuple[int, int]:
    """Classify numbered lines, write JSONL to ``out`` and line errors to ``err``; (written, rejected)."""
    written = rejected = 0
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal written
        if not batch:
            return
        comments = classifier.classify_many([r["text"] for r in batch])
        for record, c in zip(batch, comments, strict=True):
            record.update(c.to_dict())
            out.write(orjson.dumps(record).decode() + "\n")
        written += len(batch)
        batch.clear()

    for line_no, raw in lines:
        parsed = parse_line(raw, line_no, json_only=json_only)
        if parsed is None:
            continue
        if isinstance(parsed, LineError):
            rejected += 1
            err.write(parsed.message() + "\n")
            continue
        batch.append(parsed)
        if len(batch) >= CHUNK:
            flush()
    flush()
    return written, rejected


def _classifier(categories: list[str] | None, lexicon: Path | None) -> TextClassifier:
    if not categories and lexicon is None:
        return TextClassifier()
    extra: Lexicon | None = Lexicon.from_toml(lexicon) if lexicon is not None else None
    return TextClassifier(load_lexicon(categories or None), extra_lexicon=extra)


@app.command("classify")
def classify_command(
    file: Annotated[
        str, typer.Argument(help="JSONL 或纯文本文件，- 为标准输入 / JSONL or text file, - for stdin")
    ] = "-",
    json_only: Annotated[
        bool,
        typer.Option(
            "--json", help="每行都必须是含 text 的 JSON 对象 / every line is a JSON object with text"
        ),
    ] = False,
    category: Annotated[
        list[str] | None,
        typer.Option("--category", "-c", help="只用这些品类的词库 / lexicons of these categories only"),
    ] = None,
    lexicon: Annotated[
        Path | None, typer.Option("--lexicon", help="追加词库 TOML / extra lexicon TOML file")
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="有坏行时退出码 65 / exit 65 on rejected lines")
    ] = False,
) -> None:
    """识别评论意图与尺码颜色等 / Classify comments: intent, size, colour, height, weight, link."""
    classifier = _classifier(category, lexicon)
    if file == "-":
        written, rejected = classify_stream(
            _lines(sys.stdin.buffer), sys.stdout, sys.stderr, classifier, json_only=json_only
        )
    else:
        path = Path(file)
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise InputError(
                f"无法打开 {path}：{exc.strerror}", f"cannot open {path}: {exc.strerror}"
            ) from None
        with handle:
            written, rejected = classify_stream(
                _lines(handle), sys.stdout, sys.stderr, classifier, json_only=json_only
            )
    sys.stdout.flush()
    if rejected:
        sys.stderr.write(
            f"已输出 {written} 行，跳过 {rejected} 行 / wrote {written} lines, skipped {rejected}\n"
        )
        if strict:
            raise RejectedInput(
                f"{rejected} 行无法读取", f"{rejected} lines could not be read", rejected=rejected
            )
