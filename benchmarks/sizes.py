"""How big each benchmark run is: ``tiny`` for the CI smoke test (seconds), ``sample`` for the size of
the sample study, ``large`` for a national programme (1,000 consultations, 150,000 codings)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    name: str
    transcripts: int  # the whole corpus: the large import and the analysed study
    import_small: int  # the smaller import, for the scaling exponent
    codings: int  # in the analysed study
    coders: int
    code_page: tuple[int, int]  # codings in the two Code page projects (small, large)
    code_page_transcripts: int
    repeat: int  # runs per figure (the median is reported)
    fast_repeat: int  # runs per figure that takes milliseconds

    @property
    def words_per_transcript(self) -> int:
        return 1_000


SIZES = {
    "tiny": Size("tiny", transcripts=8, import_small=4, codings=400, coders=2, code_page=(200, 2_000),
                 code_page_transcripts=40, repeat=1, fast_repeat=5),
    "sample": Size("sample", transcripts=32, import_small=8, codings=5_000, coders=3,
                   code_page=(5_000, 20_000), code_page_transcripts=100, repeat=3, fast_repeat=50),
    "large": Size("large", transcripts=1_000, import_small=100, codings=150_000, coders=5,
                  code_page=(5_000, 200_000), code_page_transcripts=400, repeat=3, fast_repeat=200),
}
