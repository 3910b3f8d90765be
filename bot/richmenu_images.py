"""Rich-menu images drawn with Pillow and the Sarabun Thai font (SIL OFL 1.1, shipped by the fontpkg-sarabun
package, so nothing is downloaded at run time). The texts come from knowledge/responses.yaml via bot.richmenu.

LINE's limits (line.md §3): JPEG or PNG, width 800-2500 px, height >= 250 px, width/height >= 1.45, <= 1 MB.
Flat colours compress well as PNG; a JPEG is the fallback should a PNG ever exceed the size limit.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontpkg_sarabun import ROOT as SARABUN_DIR
from PIL import Image, ImageDraw, ImageFont, features

MAX_IMAGE_BYTES = 1024 * 1024
GAP = 18  # px of background between tiles, so each tappable area reads as a button
TITLE_PX, HINT_PX, MIN_PX = 132, 64, 36
TITLE_GAP = 40  # px between the title's baseline and the first hint line's top area


@dataclass(frozen=True)
class Theme:
    background: str
    tiles: tuple[str, ...]  # cycled over the tiles
    title: str
    hint: str


THEMES = {
    "citizen": Theme("#e8f3ef", ("#0f7b63", "#12876d", "#169478"), "#ffffff", "#dff5ee"),
    "officer": Theme("#e7eef8", ("#1d4f91", "#245ba3", "#2b67b5"), "#ffffff", "#dce8f8"),
    "mentor": Theme("#f7eee4", ("#9a4d12", "#a85716", "#b5621b"), "#ffffff", "#fbe9d8"),
}


@dataclass(frozen=True)
class TileArt:
    title: str
    hint: str
    bounds: tuple[int, int, int, int]  # x, y, width, height: the tappable area this tile draws


def font_path(weight: str = "Bold") -> Path:
    return SARABUN_DIR / "files" / f"Sarabun-{weight}.ttf"


@lru_cache(maxsize=32)
def _font(weight: str, px: int) -> ImageFont.FreeTypeFont:
    # Raqm shapes Thai (stacked vowels and tone marks); without it Pillow's basic layout still draws the text.
    layout = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(font_path(weight)), px, layout_engine=layout)


def render_menu(theme_name: str, size: tuple[int, int], tiles: Sequence[TileArt]) -> tuple[bytes, str]:
    """The menu image and its content type (image/png, or image/jpeg if the PNG were too big)."""
    theme = THEMES[theme_name]
    image = Image.new("RGB", size, theme.background)
    draw = ImageDraw.Draw(image)
    for index, tile in enumerate(tiles):
        _draw_tile(draw, tile, theme.tiles[index % len(theme.tiles)], theme)
    return encode(image)


def encode(image: Image.Image) -> tuple[bytes, str]:
    png = io.BytesIO()
    image.save(png, "PNG", optimize=True)
    if png.tell() <= MAX_IMAGE_BYTES:
        return png.getvalue(), "image/png"
    for quality in (90, 80, 70, 60):
        jpeg = io.BytesIO()
        image.save(jpeg, "JPEG", quality=quality, optimize=True)
        if jpeg.tell() <= MAX_IMAGE_BYTES:
            return jpeg.getvalue(), "image/jpeg"
    raise ValueError("rich-menu image does not fit in 1 MB")


def _draw_tile(draw: ImageDraw.ImageDraw, tile: TileArt, colour: str, theme: Theme) -> None:
    x, y, w, h = tile.bounds
    box = (x + GAP, y + GAP, x + w - GAP, y + h - GAP)
    draw.rounded_rectangle(box, radius=48, fill=colour)
    inner = w - 4 * GAP - 80
    title = _fit(draw, tile.title, "Bold", TITLE_PX, inner)
    hint_px = _fit_hint_px(draw, tile.hint, inner)
    hint_lines, hint_font = _wrap(draw, tile.hint, hint_px, inner), _font("Regular", hint_px)
    centre_x, centre_y = x + w // 2, y + h // 2
    line_gap = int(hint_font.size * 1.35)
    # Baselines: the title's, then one per hint line; centre the block from the title's cap to the last line.
    below = TITLE_GAP + len(hint_lines) * line_gap + hint_font.size // 4
    baseline = centre_y + (int(title.size * 0.75) - below) // 2
    draw.text((centre_x, baseline), tile.title, font=title, fill=theme.title, anchor="ms")
    for n, line in enumerate(hint_lines, start=1):
        draw.text(
            (centre_x, baseline + TITLE_GAP + n * line_gap),
            line,
            font=hint_font,
            fill=theme.hint,
            anchor="ms",
        )


def _fit(draw: ImageDraw.ImageDraw, text: str, weight: str, px: int, width: int) -> ImageFont.FreeTypeFont:
    """The largest font (from `px` down) in which `text` fits on one line of `width` pixels."""
    while px > MIN_PX and draw.textlength(text, font=_font(weight, px)) > width:
        px -= 4
    return _font(weight, px)


def _fit_hint_px(draw: ImageDraw.ImageDraw, text: str, width: int) -> int:
    """Hints wrap onto at most two lines; shrink the font until they do."""
    px = HINT_PX
    while px > MIN_PX and len(_wrap(draw, text, px, width)) > 2:
        px -= 4
    return px


def _wrap(draw: ImageDraw.ImageDraw, text: str, px: int, width: int) -> list[str]:
    """Greedy wrap at spaces (Thai phrases in responses.yaml separate their words with spaces)."""
    font = _font("Regular", px)
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(candidate, font=font) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines
