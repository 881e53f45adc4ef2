"""``kuaifan text classify`` and ``kuaifan text report``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from kuaifan.cli.output import out, print_json, settings
from kuaifan.cli.views import INTENT_NAMES
from kuaifan.errors import InputError, RejectedInput
from kuaifan.i18n import Lang, both, t

if TYPE_CHECKING:
    from rich.console import Console

    from kuaifan.app.text import TextReport

app = typer.Typer(
    help="评论理解 / comment understanding", no_args_is_help=True, add_completion=False,
    pretty_exceptions_enable=False,
)  # fmt: skip


@app.callback()
def _group() -> None:
    """评论理解 / comment understanding."""


def _lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    for i, raw in enumerate(stream, 1):
        yield i, raw.rstrip(b"\n")


@app.command("classify")
def classify(
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
    """识别评论意图与尺码颜色等 / Classify comments: intent, size, colour, height, weight, link.

    One comment per line: a JSON object with a ``text`` key (every other key is kept) or, without
    ``--json``, also a plain line. One JSON object per input line comes out with ``intent, height_cm,
    weight_kg, size, color, link_no, confidence, sentiment, spam`` added. A bad line is reported on
    stderr with its line number and the rest goes on; ``--strict`` then exits with code 65."""
    from kuaifan.app.text import classifier_for, classify_lines

    classifier = classifier_for(category, lexicon)
    if file == "-":
        written, rejected = classify_lines(
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
            written, rejected = classify_lines(
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


@app.command("report")
def report(
    tenant: Annotated[str | None, typer.Option(help=both("租户", "tenant"))] = None,
    room: Annotated[str | None, typer.Option(help=both("直播间", "room id"))] = None,
    stream: Annotated[str | None, typer.Option(help=both("场次", "stream id"))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=both("输出 JSON", "print JSON"))] = False,
) -> None:
    """评论汇总：意图走势、最常问的尺码/颜色、抱怨与未回答的问题 / Summarise stored comments."""
    from kuaifan.app.store import open_store
    from kuaifan.app.text import text_report

    s = settings()
    with open_store(s) as store:
        result = text_report(s, store, tenant=tenant, room=room, stream=stream)
    if as_json:
        print_json(result)
    else:
        print_report(s.lang, result, out)


def print_report(lang: Lang, summary: TextReport, console: Console) -> None:
    console.print(
        t(
            lang,
            f"评论 {summary.comments:,} 条（垃圾 {summary.spam:,}），平均情感 {summary.sentiment_mean:+.2f}",
            f"{summary.comments:,} comments ({summary.spam:,} spam), "
            f"mean sentiment {summary.sentiment_mean:+.2f}",
        ),
        highlight=False,
    )
    mix = Table(title=t(lang, "意图分布", "intent mix"))
    mix.add_column(t(lang, "意图", "intent"))
    mix.add_column(t(lang, "条数", "count"), justify="right")
    for intent, n in sorted(summary.intent_mix.items(), key=lambda kv: -kv[1]):
        zh, en = INTENT_NAMES.get(intent, (intent, intent))
        mix.add_row(t(lang, zh, en), f"{n:,}")
    console.print(mix)
    asked = Table(title=t(lang, "每个商品最常问的尺码 / 颜色", "most asked sizes / colours per product"))
    asked.add_column(t(lang, "商品", "product"))
    asked.add_column(t(lang, "尺码", "sizes"))
    asked.add_column(t(lang, "颜色", "colours"))
    for product in sorted(set(summary.top_sizes) | set(summary.top_colors)):
        sizes = " ".join(f"{v}×{n}" for v, n in summary.top_sizes.get(product, []))
        colors = " ".join(f"{v}×{n}" for v, n in summary.top_colors.get(product, []))
        asked.add_row(product, sizes or "-", colors or "-")
    console.print(asked)
    moods = Table(title=t(lang, "各商品的负面评论", "negative comments per product"))
    for zh, en in (("商品", "product"), ("评论", "comments"), ("负面", "negative"), ("负面占比", "share")):
        moods.add_column(t(lang, zh, en), justify="left" if en == "product" else "right")
    for product, m in list(summary.sentiment_by_product.items())[:10]:
        moods.add_row(product, f"{m.comments:,}", f"{m.negative:,}", f"{m.negative_share:.0%}")
    console.print(moods)
    complaints = Table(title=t(lang, "重复最多的抱怨", "most repeated complaints"))
    for zh, en in (("次数", "times"), ("商品", "product"), ("评论", "comment")):
        complaints.add_column(t(lang, zh, en), justify="right" if en == "times" else "left")
    for c in summary.complaints[:10]:
        complaints.add_row(str(c.count), c.product, c.text)
    console.print(complaints)
    questions = Table(title=t(lang, "重复最多的未回答问题", "most repeated open questions"))
    questions.add_column(t(lang, "次数", "times"), justify="right")
    questions.add_column(t(lang, "意图", "intent"))
    questions.add_column(t(lang, "评论", "comment"))
    for q in summary.unanswered[:10]:
        zh, en = INTENT_NAMES.get(q.intent, (q.intent, q.intent))
        questions.add_row(str(q.count), t(lang, zh, en), q.text)
    console.print(questions)
