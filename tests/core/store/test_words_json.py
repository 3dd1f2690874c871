"""Page words are stored as the JSON every reader expects, written by a faster encoder."""

from __future__ import annotations

import json
import math
import random

from app.store.sink import words_json


def test_words_read_back_exactly_as_json_dumps_would_give_them() -> None:
    rnd = random.Random(3)
    tricky = ['"quoted"', "back\\slash", "tab\there", "line\nbreak", "naïve", "日本語"]
    tricky += ["\u202e", "😀"]
    words = []
    for n in range(2_000):
        y0 = round(rnd.uniform(0, 800) * 100) / 100
        x0 = round(rnd.uniform(0, 600) * 100) / 100
        text = rnd.choice(tricky) if n % 7 == 0 else f"w{n}"
        words.append((x0, y0, x0 + 12.5, y0 + 9.25, text))
    words.append((0.0, 1e-7, 595.2755905511812, 841.8897637795276, "edge"))
    encoded = words_json(words)
    assert json.loads(encoded) == json.loads(json.dumps(words, ensure_ascii=False))
    assert json.loads(encoded)[3] == [list(w) for w in words][3]


def test_whole_numbers_stay_numbers() -> None:
    assert json.loads(words_json([(1, 2, 3, 4, "a"), (1.5, 2, 3, 4.25, "b")])) == [
        [1, 2, 3, 4, "a"],
        [1.5, 2, 3, 4.25, "b"],
    ]


def test_odd_values_fall_back_to_the_json_module() -> None:
    odd = [(math.nan, 1.0, 2.0, 3.0, "x")]
    assert words_json(odd) == json.dumps(odd, ensure_ascii=False)
    assert words_json([(True, 1.0, 2.0, 3.0, "x")]) == json.dumps([(True, 1.0, 2.0, 3.0, "x")])
    assert words_json([(1.0, 1.0, 2.0, 3.0, 7)]) == json.dumps([(1.0, 1.0, 2.0, 3.0, 7)])
    assert words_json([]) == "[]"
