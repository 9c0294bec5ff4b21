"""hardware/wiring.md's signal table and firmware/board.py name the same pins."""

import mpvm

WIRING = mpvm.ROOT / "hardware" / "wiring.md"


def _table_pins(text: str) -> dict[str, int]:
    """`board.py name -> GPIO` from the signal table's rows."""
    pins = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[4].startswith("`") and cells[3].isdigit():
            name = cells[4].strip("`")
            assert name not in pins, f"{name} listed twice in wiring.md"
            pins[name] = int(cells[3])
    return pins


def _board_pins() -> dict[str, int]:
    res = mpvm.run("import json, board\n"
                   "print(json.dumps({k: getattr(board, k) for k in dir(board) if k.endswith('_PIN')}))")
    return res.last


def test_wiring_table_agrees_with_board_py():
    table = _table_pins(WIRING.read_text())
    board = _board_pins()
    assert len(board) >= 5, board
    assert table == board


def test_a_wrong_gpio_in_the_table_is_noticed():
    text = WIRING.read_text().replace("| 33 | `HX711_DOUT_PIN` |", "| 25 | `HX711_DOUT_PIN` |")
    table = _table_pins(text)
    assert table["HX711_DOUT_PIN"] == 25
    assert table != _board_pins()
