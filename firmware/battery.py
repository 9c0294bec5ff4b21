# Battery level from the ADC behind a resistor divider, as the Battery Service's 0..100 percent.
# Small-int arithmetic only (the divider ratio in thousandths), so a read allocates nothing and the
# heap stays flat while a band streams for hours.
from micropython import const

from codes import BATTERY_UNKNOWN as UNKNOWN

TYPE_CHECKING = False
if TYPE_CHECKING:
    from machine import ADC

# Resting LiPo cell voltage (mV) -> charge (%); linear in between.
_CURVE = (
    (3300, 0), (3610, 5), (3690, 10), (3710, 15), (3730, 20), (3770, 30), (3790, 40),
    (3820, 50), (3870, 60), (3950, 70), (4020, 80), (4080, 90), (4200, 100),
)
# Outside this window no cell is attached (or USB feeds the pin): level unknown.
_MIN_MV = const(2500)
_MAX_MV = const(4500)
_LOW_HYSTERESIS_PCT = const(5)


# Percent charge of a LiPo cell at cell_mv, or UNKNOWN when no cell can read that.
def percent_from_mv(cell_mv: int) -> int:
    if cell_mv < _MIN_MV or cell_mv > _MAX_MV:
        return UNKNOWN
    lo_mv, lo_pct = _CURVE[0]
    if cell_mv <= lo_mv:
        return 0
    for hi_mv, hi_pct in _CURVE:
        if cell_mv <= hi_mv:
            return lo_pct + (cell_mv - lo_mv) * (hi_pct - lo_pct) // (hi_mv - lo_mv)
        lo_mv, lo_pct = hi_mv, hi_pct
    return 100


class Battery:
    # The cell behind `adc`: divider_ratio = cell voltage / ADC pin voltage (2.0 for 100k/100k).
    # `low` turns on at or below low_pct and off again low_pct + 5 above it.
    def __init__(self, adc: "ADC", divider_ratio: float, samples: int = 8, low_pct: int = 15):
        self._adc = adc
        self._ratio_milli = int(divider_ratio * 1000 + 0.5)
        self._samples = samples
        self._low_pct = low_pct
        self.low = False

    # Cell voltage in mV, averaged over a few ADC readings (the pin's mean in 0.1 mV keeps every
    # product below 2**30, a small int on the ESP32, for ratios up to 30).
    def voltage_mv(self) -> int:
        n = self._samples
        total_uv = 0
        for _ in range(n):
            total_uv += self._adc.read_uv()
        pin_100uv = (total_uv + 50 * n) // (100 * n)
        return (pin_100uv * self._ratio_milli + 5_000) // 10_000

    # Charge in percent (0..100), or 255 when unknown; updates `low`.
    def percent(self) -> int:
        pct = percent_from_mv(self.voltage_mv())
        if pct == UNKNOWN:
            self.low = False
        elif pct <= self._low_pct:
            self.low = True
        elif pct >= self._low_pct + _LOW_HYSTERESIS_PCT:
            self.low = False
        return pct
