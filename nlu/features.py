"""Features of an analysed text: character n-grams (robust to typos and segmentation) and words."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

CHAR_N = (3, 4)  # Thai 2-grams are in almost every text: slow to score and carry little
MAX_TOKENS = 400  # a 4,000-character message has ~1,000 tokens; the first few hundred carry the topic


def char_ngram_list(signal: str) -> list[str]:
    """n-grams inside each space-separated chunk, padded with a space so chunk edges count (char_wb)."""
    grams: list[str] = []
    for chunk in signal.split():
        padded = f" {chunk} "
        size = len(padded)
        for n in CHAR_N:
            grams.extend(padded[i : i + n] for i in range(size - n + 1))
    return grams


def word_feature_list(tokens: Sequence[str]) -> list[str]:
    """Unigrams and adjacent bigrams; bigrams keep short phrases such as ไม่ + มา apart from มา alone."""
    tokens = list(tokens[:MAX_TOKENS])
    return tokens + [f"{a}|{b}" for a, b in zip(tokens, tokens[1:])]


def char_ngrams(signal: str) -> Counter[str]:
    return Counter(char_ngram_list(signal))


def word_features(tokens: Sequence[str]) -> Counter[str]:
    return Counter(word_feature_list(tokens))
