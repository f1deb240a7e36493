"""k-anonymity for survey results: which groups of respondents may be shown, and what each question's aggregate is.

Pure functions, no database. A respondent falls in one **atom**: a tuple of dimension values (for the surveys:
milestone, departure kind, departure year). A **group** is what HR asks for: the respondents matching a filter
(each dimension either one value or any). Showing groups is safe only if nothing that can be computed from what
is shown, by adding and subtracting groups (the differencing attack: the whole minus the shown cells gives the
hidden one; a filter minus a narrower filter gives a small group), concerns fewer than K respondents.

How (`Suppressor`): the atoms are merged into **blocks** until every non-empty block holds K or more respondents
(the whole, if it holds fewer than K, is one block shown nowhere). A group is shown only when it holds K or more
respondents and is a union of whole blocks. Every shown figure (a count, a sum behind a mean, the texts of a
group) is then a sum over whole blocks, and so is anything computed from several shown figures: no combination of
them isolates fewer than K respondents. A group cut through a block is hidden even when it is large itself: that
is the complementary (secondary) suppression. Merging prefers another small block, then the block that differs
from the small one in the fewest dimensions (then the nearest year, then the smallest), so a small cell costs as
little of the rest as it can; the result is safe, not necessarily the most that could be shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

K = 5
ANY = None  # a filter's value for "any value of this dimension"


def _distance(a: tuple, b: tuple) -> tuple[int, int]:
    """How far apart two atoms are: the number of dimensions in which they differ, then the gap between their
    integer values (years, months) where both are integers."""
    differing = sum(1 for x, y in zip(a, b, strict=True) if x != y)
    gap = sum(
        abs(x - y)
        for x, y in zip(a, b, strict=True)
        if isinstance(x, int) and isinstance(y, int) and not isinstance(x, bool)
    )
    return differing, gap


def safe_blocks(counts: Mapping[tuple, int], k: int = K) -> list[frozenset]:
    """Partition the non-empty atoms of `counts` ({atom: respondents}) into blocks of at least `k` respondents
    each, merging the smallest block with its nearest neighbour first; when all the respondents together are
    fewer than `k`, one block of them all. Deterministic for the same counts. Raises ValueError on a negative
    count or atoms of different lengths."""
    if any(n < 0 for n in counts.values()):
        raise ValueError("A count of respondents is never negative.")
    if len({len(atom) for atom in counts}) > 1:
        raise ValueError("Every atom names the same dimensions.")
    blocks: list[tuple[frozenset, int]] = [
        (frozenset([atom]), n) for atom, n in sorted(counts.items(), key=_order) if n
    ]
    while len(blocks) > 1:
        small = [b for b in blocks if b[1] < k]
        if not small:
            break
        block = min(small, key=lambda b: (b[1], _block_order(b[0])))
        others = [b for b in blocks if b is not block]

        def nearness(other, block=block):
            # Small with small first: two small cells merged hide only themselves, not a large neighbour.
            closest = min(_distance(a, b) for a in block[0] for b in other[0])
            return (other[1] >= k, closest, other[1], _block_order(other[0]))

        partner = min(others, key=nearness)
        merged = (block[0] | partner[0], block[1] + partner[1])
        blocks = [b for b in blocks if b is not block and b is not partner] + [merged]
    return [b[0] for b in blocks]


def _order(item):
    return tuple(str(v) for v in item[0])


def _block_order(atoms: frozenset) -> tuple:
    return min(tuple(str(v) for v in atom) for atom in atoms)


def matches(atom: tuple, filters: Sequence) -> bool:
    """Whether `atom` is in the group of `filters` (one value per dimension, ANY for any value)."""
    return all(f is ANY or f == v for v, f in zip(atom, filters, strict=True))


@dataclass
class Suppressor:
    """Decides which groups of one set of respondents may be shown. `counts`: {atom: respondents}."""

    counts: Mapping[tuple, int]
    k: int = K
    blocks: list[frozenset] = field(init=False)

    def __post_init__(self):
        self.blocks = safe_blocks(self.counts, self.k)
        self._block_of = {atom: i for i, block in enumerate(self.blocks) for atom in block}

    def size(self, filters: Sequence) -> int:
        """How many respondents the group of `filters` holds (not itself shown unless `shows` says so)."""
        return sum(n for atom, n in self.counts.items() if matches(atom, filters))

    def shows(self, filters: Sequence) -> bool:
        """Whether the group of `filters` may be shown: K or more respondents, made of whole blocks."""
        inside = {self._block_of[a] for a, n in self.counts.items() if n and matches(a, filters)}
        if not inside:
            return False
        size = sum(n for a, n in self.counts.items() if matches(a, filters))
        if size < self.k:
            return False
        outside = {self._block_of[a] for a, n in self.counts.items() if n and not matches(a, filters)}
        return not (inside & outside)


# --- one question's aggregate --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: its label, count, and the share of the largest bar (0..1) that sets its length."""

    label: str
    count: int
    share: float
    percent: int  # of all the answers to the question, rounded

    @property
    def length(self) -> float:
        """The bar's length in SVG user units (BAR_LENGTH for the largest bar)."""
        return round(self.share * BAR_LENGTH, 1)


# The longest bar of a chart, in the user units of templates/alumni/surveys/_bar_chart.html's viewBox.
BAR_LENGTH = 200


def bars(labels: Sequence[str], counts: Sequence[int]) -> list[Bar]:
    """One Bar per label; lengths relative to the largest count (all zero when nothing was answered)."""
    top = max(counts, default=0)
    total = sum(counts)
    return [
        Bar(
            label=label,
            count=count,
            share=(count / top) if top else 0.0,
            percent=round(100 * count / total) if total else 0,
        )
        for label, count in zip(labels, counts, strict=True)
    ]


def scale_summary(values: Iterable[int]) -> tuple[float | None, list[int]]:
    """The mean (None when no value) and the distribution [count of 1, ..., count of 5] of scale answers.
    Raises ValueError for a value outside 1..5."""
    distribution = [0] * 5
    for value in values:
        if not 1 <= value <= 5:
            raise ValueError(f"A scale answer is 1 to 5, not {value}.")
        distribution[value - 1] += 1
    answered = sum(distribution)
    mean = sum((i + 1) * n for i, n in enumerate(distribution)) / answered if answered else None
    return mean, distribution


def choice_counts(indexes: Iterable[int], options: int) -> list[int]:
    """How many chose each of `options` options (indexes 0..options-1; others are ignored)."""
    counts = [0] * options
    for index in indexes:
        if 0 <= index < options:
            counts[index] += 1
    return counts
