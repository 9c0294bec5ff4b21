"""Battery level from the ADC through the divider, with a low flag that does not flicker."""

import mpvm

# (cell mV, expected percent), read off the curve in firmware/battery.py by hand.
CASES = [(4300, 100), (4200, 100), (4140, 95), (3800, 43), (3700, 12), (3300, 0), (3200, 0),
         (2600, 0), (2400, 255), (4600, 255), (0, 255)]


def test_percent_through_the_divider_and_low_hysteresis():
    res = mpvm.run(f"""
import json, machine, board
bat = board.make_battery()
pcts = []
for mv in {[mv for mv, _ in CASES]}:
    machine.set_adc_uv(board.BATTERY_ADC_PIN, int(mv * 1000 / board.BATTERY_DIVIDER))
    pcts.append(bat.percent())
lows = []
for mv in (3900, 3700, 3725, 3760, 3700, 0):   # 63 %, 12 %, 18 %, 27 %, 12 %, no cell
    machine.set_adc_uv(board.BATTERY_ADC_PIN, mv * 500)
    p = bat.percent()
    lows.append([p, bat.low])
print(json.dumps({{"pcts": pcts, "lows": lows, "divider": board.BATTERY_DIVIDER}}))
""")
    r = res.last
    assert r["divider"] == 2.0
    assert r["pcts"] == [p for _, p in CASES]
    assert r["lows"] == [[63, False], [12, True], [18, True], [27, False], [12, True], [255, False]]


def test_voltage_is_averaged_over_readings():
    res = mpvm.run("""
import json, machine, board
vals = iter([1_900_000, 1_910_000] * 4)
machine.set_adc_uv(board.BATTERY_ADC_PIN, lambda: next(vals))
bat = board.make_battery()
print(json.dumps({"mv": bat.voltage_mv()}))
""")
    assert res.last["mv"] == 3810  # mean 1.905 V at the pin, times 2
