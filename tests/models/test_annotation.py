import numpy as np

from models.annotation import least_certain


class Fixed:
    """A stand-in aspect model: two aspects, four labels, probabilities read off the text's number."""

    def predict_proba(self, texts):
        out = []
        for text in texts:
            p = int(text) % 7 / 10
            out.append([[p, 1 - p, 0, 0], [0.5, 0.5, 0, 0] if int(text) % 5 == 0 else [1, 0, 0, 0]])
        return np.array(out)


def test_least_certain_reads_batches_and_keeps_the_same_items_as_one_pass():
    items = [(f"i{k}", str(k)) for k in range(40)]
    whole, whole_p = least_certain(Fixed(), [items], 6)
    paged, paged_p = least_certain(Fixed(), (items[k:k + 7] for k in range(0, 40, 7)), 6)
    assert paged == whole and np.array_equal(paged_p, whole_p)
    assert [i for i, _ in whole[:3]] == ["i0", "i5", "i10"]  # ties (gap 0) go to the earlier item
    assert least_certain(Fixed(), iter([]), 3)[0] == []
