"""A drafted letter (Markdown) as plain text or as a Word document.

The templates use a small part of Markdown: ``## headings``, ``- bullets`` (continued by
indented lines), ``**bold**``, and paragraphs separated by blank lines. A paragraph of short
lines (an address, the sign-off) keeps its line breaks; any other is one paragraph, reflowed.
"""

from __future__ import annotations

import io
import re
import textwrap
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from storage.enums import LetterFormat

if TYPE_CHECKING:
    from docx.text.paragraph import Paragraph

_BOLD = re.compile(r"\*\*(.+?)\*\*")
WIDTH = 78
SHORT = 60  # a group of lines all shorter than this is an address or a sign-off


class BlockKind(StrEnum):
    HEADING = "heading"
    BULLETS = "bullets"
    LINES = "lines"
    PARAGRAPH = "paragraph"


@dataclass(frozen=True, slots=True)
class Block:
    kind: BlockKind
    parts: tuple[str, ...]  # bullets: one each; lines: one each; else a single text


def blocks(markdown: str) -> list[Block]:
    found: list[Block] = []
    for group in re.split(r"\n\s*\n", markdown.strip()):
        lines = [line.rstrip() for line in group.splitlines() if line.strip()]
        if not lines:
            continue
        if lines[0].startswith("#"):
            found.append(Block(BlockKind.HEADING, (lines[0].lstrip("#").strip(),)))
            lines = lines[1:]
            if not lines:
                continue
        if lines[0].startswith("- "):
            bullets: list[str] = []
            for line in lines:
                if line.startswith("- ") or not bullets:
                    bullets.append(line.removeprefix("- ").strip())
                else:
                    bullets[-1] += " " + line.strip()
            found.append(Block(BlockKind.BULLETS, tuple(bullets)))
        elif all(len(line) < SHORT for line in lines) and len(lines) > 1:
            found.append(Block(BlockKind.LINES, tuple(line.strip() for line in lines)))
        else:
            found.append(Block(BlockKind.PARAGRAPH, (" ".join(x.strip() for x in lines),)))
    return found


def _unbold(text: str) -> str:
    return _BOLD.sub(r"\1", text)


def plain(markdown: str) -> str:
    """The letter without Markdown marks, paragraphs wrapped at 78 characters."""
    out: list[str] = []
    for block in blocks(markdown):
        if block.kind == BlockKind.HEADING:
            out.append(_unbold(block.parts[0]).upper())
        elif block.kind == BlockKind.BULLETS:
            out.append(
                "\n".join(
                    textwrap.fill(_unbold(b), WIDTH, initial_indent="- ", subsequent_indent="  ")
                    for b in block.parts
                )
            )
        elif block.kind == BlockKind.LINES:
            out.append("\n".join(_unbold(line) for line in block.parts))
        else:
            out.append(textwrap.fill(_unbold(block.parts[0]), WIDTH))
    return "\n\n".join(out) + "\n"


def markdown_text(markdown: str) -> str:
    """The letter as Markdown, paragraphs on one line each (chat clients wrap them)."""
    out: list[str] = []
    for block in blocks(markdown):
        if block.kind == BlockKind.HEADING:
            out.append(f"## {block.parts[0]}")
        elif block.kind == BlockKind.BULLETS:
            out.append("\n".join(f"- {b}" for b in block.parts))
        elif block.kind == BlockKind.LINES:
            out.append("  \n".join(block.parts))  # Markdown's hard line break
        else:
            out.append(block.parts[0])
    return "\n\n".join(out) + "\n"


def docx(markdown: str, *, title: str) -> bytes:
    """The letter as a Word document (python-docx), for organisations that post letters."""
    from docx import Document  # imported here: only the command line writes Word documents

    document = Document()
    document.core_properties.title = title
    for block in blocks(markdown):
        if block.kind == BlockKind.HEADING:
            document.add_heading(_unbold(block.parts[0]), level=2)
        elif block.kind == BlockKind.BULLETS:
            for bullet in block.parts:
                _runs(document.add_paragraph(style="List Bullet"), bullet)
        elif block.kind == BlockKind.LINES:
            paragraph = document.add_paragraph()
            for index, line in enumerate(block.parts):
                if index:
                    paragraph.add_run().add_break()
                _runs(paragraph, line)
        else:
            _runs(document.add_paragraph(), block.parts[0])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _runs(paragraph: Paragraph, text: str) -> None:
    for index, part in enumerate(_BOLD.split(text)):
        if part:
            paragraph.add_run(part).bold = index % 2 == 1


def as_text(markdown: str, fmt: LetterFormat) -> str:
    """Text for chat or the console: Markdown, or plain text."""
    return markdown_text(markdown) if fmt == LetterFormat.MARKDOWN else plain(markdown)
