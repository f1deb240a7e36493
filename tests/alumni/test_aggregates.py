"""k-anonymity of survey results (alumni.aggregates): what may be shown, and that nothing shown can be combined to
single out fewer than 5 respondents."""

import itertools
import random

import pytest

from alumni.aggregates import ANY, K, Suppressor, bars, choice_counts, safe_blocks, scale_summary

# Atoms are (milestone, kind, year).
M3S, M3C, M6S, M6C = (3, "startup", 2025), (3, "career", 2025), (6, "startup", 2025), (6, "career", 2025)


def _groups(counts):
    """Every filter HR can choose over the dimensions of `counts` (each dimension a value or any)."""
    dims = list(zip(*counts, strict=True))
    choices = [[ANY, *sorted(set(values), key=str)] for values in dims]
    return list(itertools.product(*choices))


def _nothing_shown_singles_out_fewer_than_k(counts, suppressor):
    """What can be computed from the shown groups by adding and subtracting them is constant on each class of
    atoms that every shown group either holds or does not (their membership signature): each non-empty class
    must hold K or more respondents."""
    shown = [g for g in _groups(counts) if suppressor.shows(g)]
    classes = {}
    for atom, n in counts.items():
        if n:
            signature = tuple(all(f is ANY or f == v for v, f in zip(atom, g, strict=True)) for g in shown)
            classes[signature] = classes.get(signature, 0) + n
    small = {sig: n for sig, n in classes.items() if any(sig) and n < K}
    assert not small, f"derivable groups under {K}: {small}"


CASES = [
    # (what, counts, filters, shown)
    ("four answers in all: nothing is shown", {M3S: 2, M3C: 2}, (ANY, ANY, ANY), False),
    ("five answers in all: the whole is shown", {M3S: 2, M3C: 3}, (ANY, ANY, ANY), True),
    ("a cell of three is hidden", {M3S: 3, M3C: 9, M6C: 6}, (ANY, "startup", ANY), False),
    (
        "the complement of a hidden cell is hidden too (the whole minus it would give the hidden one)",
        {M3S: 3, M3C: 9},
        (ANY, "career", ANY),
        False,
    ),
    ("the whole stays shown when a cell is hidden", {M3S: 3, M3C: 9}, (ANY, ANY, ANY), True),
    ("cells of five each are all shown", {M3S: 5, M3C: 5}, (ANY, "startup", ANY), True),
    (
        "a filter combination under five shows nothing even when each filter alone is large",
        {M3S: 4, M3C: 6, M6S: 6, M6C: 6},
        (3, "startup", ANY),
        False,
    ),
    (
        "differencing two filters: startup (8) minus 6 months of startup (5) would give 3 at 3 months",
        {M3S: 3, M6S: 5, M3C: 10, M6C: 10},
        (ANY, "startup", ANY),
        False,
    ),
    (
        "a large cell next to a small one may stay shown when the small one merges elsewhere",
        {M3S: 3, M6S: 5, M3C: 10, M6C: 10},
        (6, "career", ANY),
        True,
    ),
    ("an empty cell is shown as nothing, never as a group", {M3S: 0, M3C: 7}, (ANY, "startup", ANY), False),
    ("an empty cell does not hide its neighbour", {M3S: 0, M3C: 7}, (ANY, "career", ANY), True),
    (
        "two small cells merged with each other hide only themselves",
        {(3, "study", 2025): 2, (3, "family", 2025): 3, M3C: 8},
        (ANY, "career", ANY),
        True,
    ),
    (
        "years: a lone leaver of 2023 hides the year next to it, not the other dimensions",
        {(3, "career", 2023): 1, (3, "career", 2024): 6, (3, "career", 2025): 6},
        (ANY, ANY, 2025),
        True,
    ),
    (
        "years: the neighbouring year that absorbed the lone leaver is hidden",
        {(3, "career", 2023): 1, (3, "career", 2024): 6, (3, "career", 2025): 6},
        (ANY, ANY, 2024),
        False,
    ),
]


@pytest.mark.parametrize("what, counts, filters, shown", CASES, ids=[c[0] for c in CASES])
def test_which_groups_are_shown(what, counts, filters, shown):
    suppressor = Suppressor(counts)
    assert suppressor.shows(filters) is shown
    _nothing_shown_singles_out_fewer_than_k(counts, suppressor)


@pytest.mark.parametrize("seed", range(200))
def test_no_combination_of_shown_groups_singles_out_fewer_than_five_respondents(seed):
    rng = random.Random(seed)
    kinds = ["career", "startup", "study", "family", "other"][: rng.randint(1, 5)]
    years = list(range(2021, 2021 + rng.randint(1, 4)))
    counts = {
        (m, kind, year): rng.choice([0, 0, 1, 1, 2, 3, 4, 5, 6, 9]) for m in (3, 6) for kind in kinds for year in years
    }
    suppressor = Suppressor(counts)
    _nothing_shown_singles_out_fewer_than_k(counts, suppressor)
    total = sum(counts.values())
    assert suppressor.shows((ANY, ANY, ANY)) is (total >= K)


def test_every_block_holds_at_least_k_respondents_unless_all_are_fewer():
    assert [sorted(b) for b in safe_blocks({M3S: 1, M3C: 1})] == [sorted([M3S, M3C])]
    blocks = safe_blocks({M3S: 1, M3C: 4, M6S: 7, M6C: 2})
    counts = {M3S: 1, M3C: 4, M6S: 7, M6C: 2}
    assert all(sum(counts[a] for a in block) >= K for block in blocks)


@pytest.mark.parametrize(
    "counts, error",
    [({M3S: -1}, "negative"), ({M3S: 1, (3, "x"): 1}, "same dimensions")],
    ids=["a negative count", "atoms of different lengths"],
)
def test_it_refuses_counts_that_cannot_be_respondents(counts, error):
    with pytest.raises(ValueError, match=error):
        safe_blocks(counts)


def test_a_scale_summary_gives_the_mean_and_the_distribution():
    assert scale_summary([5, 4, 4, 1]) == (3.5, [1, 0, 0, 2, 1])
    assert scale_summary([]) == (None, [0, 0, 0, 0, 0])
    with pytest.raises(ValueError):
        scale_summary([6])


def test_choice_counts_ignore_indexes_of_options_that_do_not_exist():
    assert choice_counts([0, 1, 1, 7], 3) == [1, 2, 0]


def test_bars_are_as_long_as_their_share_of_the_largest():
    a, b = bars(["a", "b"], [4, 2])
    assert (a.length, b.length, a.percent, b.percent) == (200, 100, 67, 33)
    assert [bar.length for bar in bars(["a"], [0])] == [0]
