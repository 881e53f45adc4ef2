"""Text encoding of exported CSV files.

Chinese merchant back-ends export UTF-8 (often with a BOM, so that Excel opens it),
GBK or GB18030 (what Excel writes on a Chinese Windows). Nothing in a BOM-less file
says which, so we decide by decoding: the whole file is run through a strict UTF-8
decoder first (UTF-8 is self-checking: GBK text of any length almost never passes),
then GB18030, which is a superset of GBK and GB2312. UTF-16 files (Excel's "Unicode
text" save) carry a BOM and are recognised by it.

Checking the whole file costs one extra sequential read (decoding runs at hundreds
of MB/s) and means a file never fails half-way through with a decode error.
"""

from __future__ import annotations

import codecs
import io
from pathlib import Path
from typing import Final

from kuaifan.errors import InputError

CHUNK_BYTES: Final = 1 << 20
# The order we try BOM-less files in.
CANDIDATES: Final = ("utf-8", "gb18030")


def _bom_encoding(head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def decodes_cleanly(data: io.BufferedIOBase | io.RawIOBase | io.BytesIO, encoding: str) -> bool:
    """True when every byte of ``data`` decodes strictly in ``encoding`` (read in chunks)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        while True:
            chunk = data.read(CHUNK_BYTES)
            if not chunk:
                decoder.decode(b"", final=True)
                return True
            decoder.decode(chunk)
    except UnicodeDecodeError:
        return False


def detect_encoding(path: Path) -> str:
    """The encoding to read ``path`` with: "utf-8-sig" (UTF-8 with a BOM), "utf-8", "utf-16" or "gb18030".

    Raises InputError when no candidate decodes the whole file.
    """
    with path.open("rb") as fh:
        bom = _bom_encoding(fh.read(4))
        if bom is not None:
            fh.seek(0)
            if decodes_cleanly(fh, bom):
                return bom
            raise InputError(
                f"{path}: 文件以 {bom} 的 BOM 开头，但内容不是有效的 {bom}（文件损坏或被截断？）",
                f"{path}: the file starts with a {bom} byte-order mark but is not valid {bom} "
                "(damaged or cut short?)",
                path=str(path),
            )
        for encoding in CANDIDATES:
            fh.seek(0)
            if decodes_cleanly(fh, encoding):
                return encoding
    raise InputError(
        f"{path}: 无法识别文件编码（已尝试 UTF-8、GB18030/GBK）；请另存为 UTF-8 CSV",
        f"{path}: cannot tell the text encoding (tried UTF-8, GB18030/GBK); save the file as UTF-8 CSV",
        path=str(path),
    )


def decode_head(data: bytes) -> str | None:
    """Best-effort decode of the first bytes of a file (for sniffing); None if nothing fits.

    The last few bytes may be a cut multi-byte character, so they are allowed to be incomplete.
    """
    bom = _bom_encoding(data)
    for encoding in (bom,) if bom else CANDIDATES:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        try:
            return decoder.decode(data, final=False)
        except UnicodeDecodeError:
            continue
    return None
