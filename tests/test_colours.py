"""The colour scheme (coder/codebook/colours.py): contrast on the backgrounds, also at 256
colours, and distinct siblings, checked over the shipped codebook; plots use it too."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from coder.codebook import colours
from coder.codebook.colours import (
    DARK_BACKGROUND,
    LIGHT_BACKGROUND,
    MIN_CONTRAST,
    PLOT_BACKGROUND,
    SIBLING_DELTA_E,
    adjustments,
    contrast_ratio,
    delta_e,
    delta_e_lab,
    parse_hex,
    quantised,
    scheme,
    xterm256,
)
from coder.codebook.load import load_codebook

SHIPPED = Path(__file__).resolve().parents[1] / "codebooks" / "securitization.yaml"
BACKGROUNDS = [DARK_BACKGROUND, LIGHT_BACKGROUND, PLOT_BACKGROUND]


@pytest.mark.parametrize("lab1, lab2, expected", [
    # Sharma, Wu & Dalal (2005), test data pairs 1, 7 and 34.
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
])
def test_ciede2000_matches_the_published_test_data(lab1, lab2, expected):
    assert delta_e_lab(lab1, lab2) == pytest.approx(expected, abs=1e-4)


def test_wcag_contrast_ratio():
    assert contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast_ratio((119, 119, 119), (255, 255, 255)) == pytest.approx(4.48, abs=0.01)


def test_256_colour_quantisation_is_rich_s():
    from rich.color import Color, ColorSystem

    rng = random.Random(3)
    for _ in range(300):
        rgb = tuple(rng.randrange(256) for _ in range(3))
        expected = Color.from_rgb(*rgb).downgrade(ColorSystem.EIGHT_BIT).number
        assert xterm256(rgb) == expected, rgb
    # The report: the dark background is colour 233.
    assert xterm256(parse_hex(DARK_BACKGROUND)) == 233


@pytest.mark.parametrize("background", BACKGROUNDS)
def test_shipped_codebook_reads_on_the_background_also_at_256_colours(background):
    codes = load_codebook(SHIPPED).codes
    shown = scheme(codes, background)
    back = parse_hex(background)
    assert set(shown) == {code.id for code in codes}
    for code_id, colour in shown.items():
        rgb = parse_hex(colour)
        assert contrast_ratio(rgb, back) >= MIN_CONTRAST, (code_id, colour)
        assert contrast_ratio(quantised(rgb), quantised(back)) >= MIN_CONTRAST, (code_id, colour)


@pytest.mark.parametrize("background", BACKGROUNDS)
def test_shipped_codebook_siblings_are_distinct_also_at_256_colours(background):
    codes = load_codebook(SHIPPED).codes
    shown = {k: parse_hex(v) for k, v in scheme(codes, background).items()}
    families: dict[str | None, list[str]] = {}
    for code in codes:
        families.setdefault(code.parent, []).append(code.id)
    pairs = 0
    for members in families.values():
        for i, first in enumerate(members):
            for second in members[i + 1:]:
                pairs += 1
                a, b = shown[first], shown[second]
                assert delta_e(a, b) >= SIBLING_DELTA_E, (first, second)
                assert delta_e(quantised(a), quantised(b)) >= SIBLING_DELTA_E, (first, second)
    assert pairs > 50  # the check covered the families, not an empty codebook


def test_a_failing_colour_is_adjusted_for_display_and_the_codebook_keeps_its_own():
    codes = load_codebook(SHIPPED).codes
    corruption = next(c for c in codes if c.id == "DES.CORRUPTION")
    assert corruption.color == "#0b5345"  # the example: colour 16 on 233 once tinted
    back = parse_hex(DARK_BACKGROUND)
    assert contrast_ratio(parse_hex("#0b5345"), back) < MIN_CONTRAST
    shown = scheme(codes, DARK_BACKGROUND)["DES.CORRUPTION"]
    assert shown != "#0b5345" and contrast_ratio(parse_hex(shown), back) >= MIN_CONTRAST
    # Still a green-blue: the hue moves little (the adjustment changes lightness first).
    assert delta_e(parse_hex(shown), parse_hex("#0b5345")) < 40
    assert ("DES.CORRUPTION", "#0b5345", shown) in adjustments(codes, DARK_BACKGROUND)
    assert corruption.color == "#0b5345"


def test_a_colour_that_passes_is_kept():
    class Code:
        def __init__(self, id, parent, color):
            self.id, self.parent, self.color = id, parent, color

    codes = [Code("A", None, "#e74c3c"), Code("B", None, "#3498db"), Code("A.X", "A", None)]
    shown = scheme(codes, DARK_BACKGROUND)
    assert shown["A"] == "#e74c3c" and shown["B"] == "#3498db"
    assert adjustments(codes, DARK_BACKGROUND) == []
    assert colours.readable(parse_hex(shown["A.X"]), parse_hex(DARK_BACKGROUND))


def test_stats_plot_uses_the_scheme(tmp_path, monkeypatch):
    """`coder stats --plot` draws each code in its display colour on white."""
    import coder.analysis
    from coder.cli import main
    from coder.codebook import project_codes
    from coder.project import Project
    from tests.helpers import build_coded

    with Project(tmp_path / "p.db", create=True) as project:
        build_coded(project, tmp_path)
        expected = scheme(project_codes(project), PLOT_BACKGROUND)
    seen = {}

    def spy(columns, rows, path, **kwargs):
        seen.update(kwargs["colors"])
        return Path(path)

    monkeypatch.setattr(coder.analysis, "plot_frequencies", spy)
    result = CliRunner().invoke(main, ["stats", "--codes", "SEC,DES", "--plot",
                                       str(tmp_path / "t.png"), "-p", str(tmp_path / "p.db")])
    assert result.exit_code == 0, result.output
    assert seen == expected and seen
