"""Code colours as they are shown: readable on the background, distinct among siblings.

A codebook's ``color:`` is the user's choice and stays as written in the YAML.  What the
workbench and ``coder stats --plot`` draw is a *display colour* derived from it by
:func:`scheme`, which guarantees for every code, against a given background:

- contrast: a WCAG 2.1 contrast ratio of at least :data:`MIN_CONTRAST` (3:1, the ratio
  WCAG asks of graphical objects, SC 1.4.11), both in true colour and after the
  quantisation a 256-colour terminal applies (the xterm palette, quantised the way Rich
  does it, which is what Textual uses);
- distinct siblings: codes under the same parent (and the top-level codes among
  themselves) differ by at least :data:`SIBLING_DELTA_E` in CIEDE2000, in true colour and
  after the 256-colour quantisation (two colours that become the same palette entry are
  the same colour to the coder).

A colour that already passes is kept unchanged.  One that fails is moved, in CIELAB, to the
nearest colour (smallest CIEDE2000 distance from the codebook's colour) that passes:
lightness first (away from the background), then hue and chroma by small steps, so a
red stays a red and a family keeps its hue.  :func:`adjustments` lists what moved.

Pure Python and no dependencies: the core may not import Rich or Textual.
"""

from __future__ import annotations

import colorsys
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

# The backgrounds the workbench draws on (Textual's dark and light themes) and plots use.
DARK_BACKGROUND = "#121212"   # textual-dark; xterm colour 233
LIGHT_BACKGROUND = "#e0e0e0"  # textual-light
PLOT_BACKGROUND = "#ffffff"   # matplotlib's default figure

MIN_CONTRAST = 3.0
SIBLING_DELTA_E = 12.0

# Colours for codes without one (top-level codes in turn; children get shades of the parent).
PALETTE = ["#c0392b", "#2980b9", "#27ae60", "#8e44ad", "#d35400", "#16a085", "#7f8c8d",
           "#b7950b"]

RGB = tuple[int, int, int]
Lab = tuple[float, float, float]


# -- conversions ---------------------------------------------------------------------------

def parse_hex(colour: str) -> RGB:
    """``#rgb`` or ``#rrggbb`` as an (r, g, b) triple of 0-255 ints (ValueError otherwise)."""
    text = colour.strip().lstrip("#")
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    if len(text) != 6:
        raise ValueError(f"not a #rgb or #rrggbb colour: {colour!r}")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def to_hex(rgb: RGB) -> str:
    """``#rrggbb`` of an (r, g, b) triple."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _gamma(value: float) -> float:
    c = 12.92 * value if value <= 0.0031308 else 1.055 * value ** (1 / 2.4) - 0.055
    return c * 255


@lru_cache(maxsize=4096)
def relative_luminance(rgb: RGB) -> float:
    """WCAG relative luminance (0 black .. 1 white)."""
    r, g, b = (_linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: RGB, b: RGB) -> float:
    """WCAG 2.1 contrast ratio of two colours (1 .. 21)."""
    la, lb = relative_luminance(a), relative_luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


_WHITE = (0.95047, 1.0, 1.08883)  # D65


def _f(t: float) -> float:
    return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116


def _f_inverse(t: float) -> float:
    return t ** 3 if t ** 3 > 216 / 24389 else (116 * t - 16) / (24389 / 27)


@lru_cache(maxsize=4096)
def to_lab(rgb: RGB) -> Lab:
    """CIELAB (D65) of an sRGB colour."""
    r, g, b = (_linear(c) for c in rgb)
    x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / _WHITE[0]
    y = (0.2126729 * r + 0.7151522 * g + 0.0721750 * b) / _WHITE[1]
    z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / _WHITE[2]
    fx, fy, fz = _f(x), _f(y), _f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def from_lab(lab: Lab) -> RGB:
    """The sRGB colour of a CIELAB one, each channel clipped to the gamut."""
    big_l, a, b = lab
    fy = (big_l + 16) / 116
    fx, fz = fy + a / 500, fy - b / 200
    x, y, z = _f_inverse(fx) * _WHITE[0], _f_inverse(fy) * _WHITE[1], _f_inverse(fz) * _WHITE[2]
    r = 3.2404542 * x - 1.5371385 * y - 0.4985314 * z
    g = -0.9692660 * x + 1.8760108 * y + 0.0415560 * z
    bl = 0.0556434 * x - 0.2040259 * y + 1.0572252 * z
    return tuple(max(0, min(255, round(_gamma(max(0.0, c))))) for c in (r, g, bl))  # type: ignore[return-value]


def delta_e(first: RGB, second: RGB) -> float:
    """CIEDE2000 colour difference of two sRGB colours (about 2: just noticeable)."""
    return delta_e_lab(to_lab(first), to_lab(second))


def delta_e_lab(lab1: Lab, lab2: Lab) -> float:
    """CIEDE2000 (Sharma, Wu & Dalal 2005) of two CIELAB colours."""
    l1, a1, b1 = lab1
    l2, a2, b2 = lab2
    c1, c2 = math.hypot(a1, b1), math.hypot(a2, b2)
    c_mean = (c1 + c2) / 2
    g = 0.5 * (1 - math.sqrt(c_mean ** 7 / (c_mean ** 7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dlp = l2 - l1
    dcp = c2p - c1p
    if c1p * c2p == 0:
        dhp = 0.0
    else:
        dhp = h2p - h1p
        if dhp > 180:
            dhp -= 360
        elif dhp < -180:
            dhp += 360
    dhp_big = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dhp / 2))
    lp_mean = (l1 + l2) / 2
    cp_mean = (c1p + c2p) / 2
    if c1p * c2p == 0:
        hp_mean = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hp_mean = (h1p + h2p) / 2
    elif h1p + h2p < 360:
        hp_mean = (h1p + h2p + 360) / 2
    else:
        hp_mean = (h1p + h2p - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(hp_mean - 30)) + 0.24 * math.cos(math.radians(2 * hp_mean))
         + 0.32 * math.cos(math.radians(3 * hp_mean + 6)) - 0.20 * math.cos(math.radians(4 * hp_mean - 63)))
    d_theta = 30 * math.exp(-(((hp_mean - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(cp_mean ** 7 / (cp_mean ** 7 + 25 ** 7))
    s_l = 1 + 0.015 * (lp_mean - 50) ** 2 / math.sqrt(20 + (lp_mean - 50) ** 2)
    s_c = 1 + 0.045 * cp_mean
    s_h = 1 + 0.015 * cp_mean * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    return math.sqrt((dlp / s_l) ** 2 + (dcp / s_c) ** 2 + (dhp_big / s_h) ** 2
                     + r_t * (dcp / s_c) * (dhp_big / s_h))


# -- the 256-colour terminal ------------------------------------------------------------------

_CUBE = (0, 95, 135, 175, 215, 255)


@lru_cache(maxsize=4096)
def xterm256(rgb: RGB) -> int:
    """The xterm palette index a true colour becomes in a 256-colour terminal.

    The same rule as Rich's ``Color.downgrade`` (what Textual draws with): a colour under
    15% saturation becomes one of the 24 greys (or black/white of the cube), any other the
    nearest level per channel of the 6x6x6 cube.
    """
    r, g, b = rgb
    _h, lightness, saturation = colorsys.rgb_to_hls(r / 255, g / 255, b / 255)
    if saturation < 0.15:
        grey = round(lightness * 25.0)
        return 16 if grey == 0 else 231 if grey == 25 else 231 + grey

    def six(c: int) -> int:
        return round(c / 95 if c < 95 else 1 + (c - 95) / 40)

    return 16 + 36 * six(r) + 6 * six(g) + six(b)


def xterm_rgb(index: int) -> RGB:
    """The colour xterm shows for palette entry ``index`` (16-255)."""
    if index >= 232:
        level = 8 + 10 * (index - 232)
        return level, level, level
    index -= 16
    return _CUBE[index // 36], _CUBE[(index // 6) % 6], _CUBE[index % 6]


def quantised(rgb: RGB) -> RGB:
    """What a 256-colour terminal shows for ``rgb``."""
    return xterm_rgb(xterm256(rgb))


# -- the scheme -----------------------------------------------------------------------------

@dataclass(frozen=True)
class CodeColour:
    """What a code's colour needs to know: its id, parent and the codebook's colour."""

    id: str
    parent: str | None
    color: str | None


def readable(rgb: RGB, background: RGB) -> bool:
    """True when ``rgb`` has enough contrast on ``background``, also at 256 colours."""
    return contrast_ratio(rgb, background) >= MIN_CONTRAST and \
        contrast_ratio(quantised(rgb), quantised(background)) >= MIN_CONTRAST


def distinct(first: RGB, second: RGB, threshold: float = SIBLING_DELTA_E) -> bool:
    """True when two colours differ by ``threshold`` (CIEDE2000), also at 256 colours."""
    return delta_e(first, second) >= threshold and \
        delta_e(quantised(first), quantised(second)) >= threshold


# Steps tried from a colour that fails, cheapest first: lightness (away from the
# background when positive) costs least, chroma a little more, a turn of hue most, so a
# family keeps its hue as long as anything else works.
_STEPS = sorted(
    ((dl, dh, dc) for dl in range(-24, 61, 3) for dh in (0, 8, -8, 16, -16, 24, -24)
     for dc in (0, 10, -10, 20, -20)),
    key=lambda s: abs(s[0]) + 1.5 * abs(s[1]) + (0.5 * s[2] if s[2] > 0 else -1.2 * s[2]))


def _candidates(rgb: RGB, background: RGB) -> Iterable[RGB]:
    """Colours near ``rgb`` in CIELAB (LCh steps), cheapest change first."""
    big_l, a, b = to_lab(rgb)
    chroma, hue = math.hypot(a, b), math.atan2(b, a)
    away = 1 if to_lab(background)[0] < 50 else -1
    seen: set[RGB] = set()
    for dl, dh, dc in _STEPS:
        light = big_l + away * dl
        if not 0 <= light <= 100:
            continue
        c = max(0.0, chroma + dc)
        angle = hue + math.radians(dh)
        candidate = from_lab((light, c * math.cos(angle), c * math.sin(angle)))
        if candidate not in seen:
            seen.add(candidate)
            yield candidate


def _base_colours(codes: list[CodeColour]) -> dict[str, RGB]:
    """Each code's colour before any adjustment: its own, else a shade of its parent's,
    else the next colour of :data:`PALETTE`."""
    colours: dict[str, RGB] = {}
    children: dict[str | None, int] = {}
    tops = 0
    for code in codes:  # tree order: parents first
        if code.color:
            try:
                colours[code.id] = parse_hex(code.color)
                continue
            except ValueError:  # checked by the loader; a stored odd one falls back
                pass
        parent = colours.get(code.parent or "")
        if parent is not None:
            index = children.get(code.parent, 0)
            children[code.parent] = index + 1
            big_l, a, b = to_lab(parent)
            step = 8 * (index // 2 + 1) * (1 if index % 2 == 0 else -1)
            colours[code.id] = from_lab((max(0.0, min(100.0, big_l + step)), a, b))
        else:
            colours[code.id] = parse_hex(PALETTE[tops % len(PALETTE)])
            tops += 1
    return colours


@lru_cache(maxsize=16)
def _scheme(codes: tuple[CodeColour, ...], background: str) -> tuple[tuple[str, str], ...]:
    back = parse_hex(background)
    base = _base_colours(list(codes))
    shown: dict[str, RGB] = {}
    siblings: dict[str | None, list[str]] = {}
    for code in codes:
        wanted = base[code.id]
        placed = [shown[s] for s in siblings.get(code.parent, [])]
        choice = None
        # The sibling threshold is relaxed only when no nearby colour meets it; contrast never.
        for threshold in (SIBLING_DELTA_E, SIBLING_DELTA_E * 0.75, SIBLING_DELTA_E * 0.5, 0.0):
            if readable(wanted, back) and all(distinct(wanted, o, threshold) for o in placed):
                choice = wanted
                break
            choice = next((c for c in _candidates(wanted, back) if readable(c, back)
                           and all(distinct(c, o, threshold) for o in placed)), None)
            if choice is not None:
                break
        if choice is None:  # pragma: no cover - grey on any background always has a readable step
            choice = (255, 255, 255) if to_lab(back)[0] < 50 else (0, 0, 0)
        shown[code.id] = choice
        siblings.setdefault(code.parent, []).append(code.id)
    return tuple((code_id, to_hex(rgb)) for code_id, rgb in shown.items())


def scheme(codes: Iterable, background: str = DARK_BACKGROUND) -> dict[str, str]:
    """Every code's display colour (``#rrggbb``) on ``background``.

    ``codes`` are :class:`~coder.codebook.model.Code` objects (or anything with ``id``,
    ``parent`` and ``color``) in tree order, parents first.  The result is cached: the
    workbench asks once per screen, plots once per figure.
    """
    key = tuple(CodeColour(c.id, c.parent, c.color) for c in codes)
    return dict(_scheme(key, to_hex(parse_hex(background))))


def adjustments(codes: Iterable, background: str = DARK_BACKGROUND) -> list[tuple[str, str, str]]:
    """``(code id, codebook colour, shown colour)`` for each code whose colour the scheme
    changed on ``background`` (codes without a colour of their own are not listed)."""
    codes = list(codes)
    shown = scheme(codes, background)
    out = []
    for code in codes:
        if code.color:
            try:
                own = to_hex(parse_hex(code.color))
            except ValueError:
                continue
            if shown[code.id] != own:
                out.append((code.id, own, shown[code.id]))
    return out
