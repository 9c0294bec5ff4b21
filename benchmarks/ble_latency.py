"""Latency and throughput of the BLE path over the virtual link, and host CPU per sample.

Latency: from a sample's true time on the device (the twin's clock, mapped to the loop clock)
until the host's notification callback has it. Baseline, measured in the same run: the link
alone (a stream notification leaving the peripheral until the host callback), so the ratio shows
what batching (flush after 50 ms or a full packet) adds. Real-time event loop, as in use.

Throughput: the unchanged firmware on the twin at 80 Hz, and a synthetic 1 kHz peripheral
(same wire format, 47 samples per packet at MTU 247) on the same link: every sample sent must
arrive (zero loss). Host CPU per sample: the StreamAssembler (validation, clock mapping, gaps),
against the bare wire decoder (protocol.StreamPacket.from_bytes) on the same packets.

Healing: the recorded 80 Hz packets are fed through the assembler as they arrived;
a clean stream should hold nothing. Then every 40th packet gets a wild sequence number or device
time: each is held until the next packet judges it; printed is how long a held packet waited
(its extra latency) against the median packet interval (the baseline: one interval is the aim).

Usage: python benchmarks/ble_latency.py [--quick]   (3 s per run instead of 10)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time

import numpy as np

from taut import protocol
from taut.ble import BandClient, find_band, virtual
from taut.ble.assembler import StreamAssembler
from taut.bumble_backend import radio
from taut.twin import bluetooth_shim
from taut.twin.band import VirtualBand
from taut.twin.clock import TICKS_PERIOD


class _Recorder:
    """Host side: arrival time of every notification, then the assembler's cost per packet."""

    def __init__(self) -> None:
        self.packets: list[tuple[bytes, float]] = []

    def __call__(self, data: bytes, host_s: float) -> None:
        self.packets.append((data, time.perf_counter()))


def _cpu_per_sample(packets: list[tuple[bytes, float]]) -> tuple[float, float]:
    """(assembler µs/sample, decoder-only µs/sample) over the recorded packets, best of 3."""
    n = sum(len(protocol.StreamPacket.from_bytes(p)) for p, _ in packets)
    best_asm = best_dec = float("inf")
    for _ in range(3):
        asm = StreamAssembler()
        t0 = time.process_time()
        for i, (data, _) in enumerate(packets):
            asm.feed(data, 100.0 + i * 0.05)
        best_asm = min(best_asm, time.process_time() - t0)
        t0 = time.process_time()
        for data, _ in packets:
            protocol.StreamPacket.from_bytes(data)
        best_dec = min(best_dec, time.process_time() - t0)
    return best_asm / n * 1e6, best_dec / n * 1e6


def _healing(packets: list[tuple[bytes, float]]) -> dict:
    """Held packets and their wait, clean and with one wild packet in 40 (seq or time)."""
    out = {}
    logging.getLogger("taut.ble.assembler").setLevel(logging.ERROR)  # the outliers are on purpose
    for name, every in (("clean", 0), ("mutated", 40)):
        asm = StreamAssembler(rate_hz=80)
        waits, pending = [], []
        for i, (data, arrived) in enumerate(packets):
            if every and i and i % every == 0:
                b = bytearray(data)
                if (i // every) % 2:
                    b[2:4] = ((int.from_bytes(b[2:4], "little") + 5000) % 65536).to_bytes(2, "little")
                else:
                    b[4:8] = ((int.from_bytes(b[4:8], "little") + 300_000_000) % (1 << 30)).to_bytes(4, "little")
                data = bytes(b)
            before = asm.held
            asm.feed(data, arrived)
            if asm.held > before:
                pending.append(arrived)
            while len(pending) > asm.held:
                waits.append(arrived - pending.pop(0))
        asm.flush()  # the stream ends: what is still held is judged by the clock alone
        out[name] = {"suspects": asm.stats.suspects, "outliers": asm.stats.outliers,
                     "confirmed": asm.stats.confirmed, "waits": waits}
    out["interval_s"] = float(np.median(np.diff([a for _, a in packets])))
    return out


async def firmware_80hz(seconds: float) -> dict:
    band = VirtualBand(lambda t: 40.0 + 20.0 * np.sin(t), seed=1)
    await band.start()
    sent_at: dict[int, float] = {}

    def stamp(handle: int, pdu: bytes) -> bytes:
        if handle == band.handle_of(protocol.STREAM_UUID):
            sent_at[int.from_bytes(pdu[5:7], "little")] = time.perf_counter()
        return pdu

    band.add_pdu_filter(stamp)
    backend = virtual()
    client = BandClient(await find_band(band.name, backend=backend), backend=backend)
    await client.connect()
    rec = _Recorder()
    await client.subscribe_stream(rec)
    loop = asyncio.get_running_loop()
    offset = time.perf_counter() - loop.time()  # loop clock -> perf_counter
    await client.start_stream()
    await asyncio.sleep(seconds)
    await client.stop_stream()
    await asyncio.sleep(0.2)
    await client.disconnect()
    clock = band.clock
    assert clock is not None
    boot_ticks = (clock.ticks_us() - clock.elapsed_us()) % TICKS_PERIOD
    sample_lat, link_lat = [], []
    received = 0
    for data, arrived in rec.packets:
        p = protocol.StreamPacket.from_bytes(data)
        received += len(p)
        for t_us in p.time_us:
            elapsed_us = (int(t_us) - boot_ticks) % TICKS_PERIOD
            sample_lat.append(arrived - (clock.loop_time_at(elapsed_us) + offset))
        link_lat.append(arrived - sent_at[p.seq])
    await band.close()
    return {"sent": band.sent.samples, "received": received, "sample_lat": sample_lat, "link_lat": link_lat,
            "packets": rec.packets}


async def synthetic_1khz(seconds: float, rate_hz: float = 1000.0) -> dict:
    """A peripheral on the shim that packs `rate_hz` samples per second in protocol packets."""
    device = radio().new_device("D2:00:00:00:00:01", name="synthetic")
    loop = asyncio.get_running_loop()
    ble = bluetooth_shim.BLE(device, mac=bytes(6), schedule=loop.call_soon)
    bt = bluetooth_shim.make_module(ble)
    conns: list[int] = []
    mtu = [23]

    def irq(event: int, data: tuple) -> None:
        if event == 1:
            conns.append(data[0])
        elif event == 21:
            mtu[0] = data[1]

    ble.active(True)
    ble.irq(irq)
    svc = (bt.UUID(protocol.SERVICE_UUID), ((bt.UUID(protocol.STREAM_UUID), bt.FLAG_NOTIFY),
                                            (bt.UUID(protocol.CONTROL_UUID), bt.FLAG_WRITE | bt.FLAG_NOTIFY),
                                            (bt.UUID(protocol.STATUS_UUID), bt.FLAG_READ | bt.FLAG_NOTIFY)))
    ((h_stream, _, _),) = ble.gatts_register_services((svc,))
    uuid_le = bytes(reversed(bytes.fromhex(protocol.SERVICE_UUID.replace("-", ""))))
    ble.gap_advertise(20_000, adv_data=bytes((2, 1, 6, 17, 7)) + uuid_le, resp_data=b"\x0a\x09Taut-1kHz")
    await ble.idle()
    backend = virtual()
    client = BandClient(await find_band("Taut-1kHz", backend=backend), backend=backend)
    await client.connect()
    rec = _Recorder()
    await client.subscribe_stream(rec)
    await asyncio.sleep(0.1)
    period_us = int(1e6 / rate_hz)
    n_max = protocol.batch_capacity(mtu[0])
    t0 = loop.time()
    k = sent = seq = 0
    pending: list[int] = []
    while loop.time() - t0 < seconds:
        due = int((loop.time() - t0) * rate_hz)
        while k < due:
            pending.append(k)
            k += 1
            if len(pending) == n_max or (pending and (k - pending[0]) * period_us >= 50_000):
                t0_us = pending[0] * period_us % TICKS_PERIOD
                pkt = protocol.StreamPacket(seq=seq % 65536, t0_us=t0_us,
                                            offsets_10us=np.array([(i - pending[0]) * period_us // 10 for i in pending], np.uint16),
                                            tension_cn=np.array(pending, np.int32) % 5000,
                                            flags=protocol.StreamFlags.FIRST if seq == 0 else protocol.StreamFlags(0))
                ble.gatts_notify(conns[0], h_stream, pkt.to_bytes())
                sent += len(pending)
                seq += 1
                pending = []
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.2)
    await client.disconnect()
    received = sum(len(protocol.StreamPacket.from_bytes(d)) for d, _ in rec.packets)
    return {"sent": sent, "received": received, "packets": rec.packets, "mtu": mtu[0]}


def _ms(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) * 1e3


async def main(seconds: float) -> int:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bumble").setLevel(logging.ERROR)  # status notified before we subscribe
    fw = await firmware_80hz(seconds)
    syn = await synthetic_1khz(seconds)
    ok = True
    print(f"== virtual link, real-time loop, {seconds:g} s per run")
    lat, link = fw["sample_lat"], fw["link_lat"]
    print(f"latency, sample time -> host callback (80 Hz, firmware batching, flush 50 ms):"
          f" median {_ms(lat, 50):.1f} ms, p99 {_ms(lat, 99):.1f} ms")
    print(f"baseline, link only (notification out -> host callback): median {_ms(link, 50):.2f} ms,"
          f" p99 {_ms(link, 99):.2f} ms")
    print(f"ratio sample/link latency: median {_ms(lat, 50) / _ms(link, 50):.0f}x")
    for name, run in (("80 Hz firmware", fw), ("1 kHz synthetic", syn)):
        lost = run["sent"] - run["received"]
        ok &= lost == 0
        print(f"sustained {name}: {run['sent']} samples sent, {run['received']} received, lost {lost}"
              f" ({'zero loss' if lost == 0 else 'LOSS'})")
    heal = _healing(fw["packets"])
    clean, mut = heal["clean"], heal["mutated"]
    print(f"healing, clean 80 Hz stream: {clean['suspects']} packets held of {len(fw['packets'])}"
          f" ({clean['confirmed']} confirmed, {clean['outliers']} dropped)")
    if mut["waits"]:
        w = np.array(mut["waits"]) * 1e3
        print(f"healing, 1 wild packet in 40: {mut['suspects']} held, {mut['outliers']} dropped as outliers,"
              f" {mut['confirmed']} confirmed; wait for the verdict median {np.median(w):.1f} ms, max {w.max():.1f} ms;"
              f" baseline packet interval {heal['interval_s'] * 1e3:.1f} ms (ratio max/interval"
              f" {w.max() / (heal['interval_s'] * 1e3):.2f}x)")
    asm_us, dec_us = _cpu_per_sample(syn["packets"])
    print(f"host CPU per sample (1 kHz packets): assembler {asm_us:.2f} µs, decoder alone {dec_us:.2f} µs,"
          f" ratio {asm_us / dec_us:.2f}x; {1e6 / asm_us:,.0f} samples/s per core")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s per run")
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(3.0 if args.quick else 10.0)))
