import numpy as np
import pytest

from sereno.domain.grid import cell_center, cell_ids, cell_indices, parse_cell_id
from sereno.errors import ConfigError


def test_cells_align_to_multiples_of_size():
    i, j = cell_indices([0.0, 99.9, 100.0, -0.1], [0.0, 0.0, 250.0, -100.1], 100)
    assert list(i) == [0, 0, 1, -1]
    assert list(j) == [0, 0, 2, -2]


@pytest.mark.parametrize("size", [50, 100, 250, 1000])
def test_cell_id_round_trips(size):
    rng = np.random.default_rng(size)
    x = rng.uniform(300_000, 400_000, 1000)
    y = rng.uniform(6_200_000, 6_300_000, 1000)
    ids = cell_ids(x, y, size)
    for k in range(0, 1000, 97):
        s, i, j = parse_cell_id(ids[k])
        assert s == size and i == np.floor(x[k] / size) and j == np.floor(y[k] / size)
        cx, cy = cell_center(ids[k])
        assert abs(cx - x[k]) <= size / 2 and abs(cy - y[k]) <= size / 2


def test_ids_of_different_sizes_never_collide():
    assert cell_ids([150.0], [150.0], 100)[0] == "100:1:1"
    assert cell_ids([150.0], [150.0], 50)[0] == "50:3:3"


@pytest.mark.parametrize("bad", [0, -100, 12.5])
def test_bad_sizes_are_refused(bad):
    with pytest.raises(ConfigError, match="tamaño de celda"):
        cell_ids([0.0], [0.0], bad)


def test_malformed_cell_id():
    with pytest.raises(ConfigError, match="no es válido"):
        parse_cell_id("100-3-4")
