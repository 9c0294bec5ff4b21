// Drives @hangtime/grip-connect's Progressor (a client library nobody here wrote) against the
// Taut firmware running in the MicroPython VM, through a thin fake of the Web Bluetooth objects
// the library uses. Loaded by tests/mpvm/runner.mjs as globalThis.mpvmDriver (with fake timers);
// the VM script calls start(bridge, name) and then feeds every notification the firmware sends on
// the Progressor data characteristic to notify(hex) until state.done.
//
// bridge.write(hex): a write to the Progressor control characteristic (a central's write in the
// fake `bluetooth`). The library's own parsing is under test: nothing here decodes a frame.
import { Progressor } from "@hangtime/grip-connect";

const SERVICE = "7e4e1701-1ea6-40c9-9dcc-13d34ffead57";
const DATA = "7e4e1702-1ea6-40c9-9dcc-13d34ffead57";
const CONTROL = "7e4e1703-1ea6-40c9-9dcc-13d34ffead57";

export const state = { done: false, result: null, error: null };

const toHex = (bytes) => Buffer.from(bytes).toString("hex");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// BluetoothRemoteGATTCharacteristic: notifications dispatch characteristicvaluechanged with
// `value` set; writes are recorded and handed to onWrite.
class FakeCharacteristic extends EventTarget {
  constructor(uuid, onWrite) {
    super();
    this.uuid = uuid;
    this.value = null;
    this.notifying = false;
    this.writes = [];
    this._onWrite = onWrite;
  }
  async startNotifications() { this.notifying = true; return this; }
  async stopNotifications() { this.notifying = false; return this; }
  async writeValue(data) { this._write(data); }
  async writeValueWithResponse(data) { this._write(data); }
  async writeValueWithoutResponse(data) { this._write(data); }
  _write(data) {
    const bytes = data instanceof Uint8Array ? data : new Uint8Array(data.buffer ?? data);
    this.writes.push(toHex(bytes));
    this._onWrite?.(toHex(bytes));
  }
  deliver(hex) {
    if (!this.notifying) return;
    const bytes = Uint8Array.from(Buffer.from(hex, "hex"));
    this.value = new DataView(bytes.buffer);
    this.dispatchEvent(new Event("characteristicvaluechanged"));
  }
}

let data = null;

export function notify(hex) {
  data?.deliver(hex);
}

async function main(bridge, name) {
  data = new FakeCharacteristic(DATA, null);
  const control = new FakeCharacteristic(CONTROL, (hex) => bridge.write(hex));
  const service = { uuid: SERVICE, getCharacteristics: async () => [data, control] };
  const server = {
    connected: false,
    async connect() { this.connected = true; return this; },
    disconnect() { this.connected = false; },
    getPrimaryServices: async () => [service],
  };
  const device = Object.assign(new EventTarget(), { name, gatt: server });
  const requests = [];
  globalThis.navigator = {
    bluetooth: {
      async requestDevice(options) {
        requests.push(options);
        const ok = options.filters.some((f) => (f.namePrefix && name.startsWith(f.namePrefix)) || f.name === name);
        if (!ok) throw new Error(`no device matches the filters ${JSON.stringify(options.filters)}`);
        return device;
      },
    },
  };

  const progressor = new Progressor();
  const forces = [];
  const times = [];
  progressor.notify((m) => {
    forces.push(m.current);
    times.push(m.performance?.sampleIndex ?? null);
  }, "n");
  await new Promise((resolve, reject) => progressor.connect(resolve, reject));
  const battery = await progressor.battery();
  const firmware = await progressor.firmware();
  progressor.tare();
  await sleep(300);
  await progressor.stream(1500);
  await sleep(200);
  const packets = progressor.downloadPackets.map((p) => p.performance?.sampleIndex ?? null);
  progressor.disconnect();
  return { battery, firmware, forces, times, packets, writes: control.writes, filters: requests[0]?.filters };
}

export function start(bridge, name) {
  main(bridge, name).then(
    (result) => { state.result = JSON.stringify(result); state.done = true; },
    (error) => { state.error = String(error?.stack ?? error); state.done = true; },
  );
}
