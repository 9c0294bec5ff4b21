// Runs a MicroPython script in the real MicroPython VM (WebAssembly port) under Node.js.
// Input (JSON on stdin): {files: {path: base64}, sys_path: [..], script: str,
//   fake_timers: bool, max_sim_ms: number, tick_ms: number, heapsize: number, collect: [paths],
//   os_tick_ms: number, driver: file URL}
// os_tick_ms (with fake_timers): every setTimeout with a delay (asyncio's wake-ups) ends on the
// next multiple of os_tick_ms of the clock, as ESP32 sleeps end on the 100 Hz FreeRTOS tick;
// globalThis.mpvmSetTimeoutExact stays exact (the fakes' pin interrupts use it).
// driver (optional): a JS module imported after the fake timers are installed, as
// globalThis.mpvmDriver, for the script to call through MicroPython's `js` module.
// Output: the script's stdout, then one line "\n__MPVM_RESULT__ {json}" with
//   {ok, error, sim_ms, files: {path: base64 | null}}.
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";
import FakeTimers from "@sinonjs/fake-timers";

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const spec = JSON.parse(Buffer.concat(chunks).toString("utf8"));

let clock = null;
if (spec.fake_timers) {
  clock = FakeTimers.install({
    now: spec.start_ms ?? 1_000_000,
    toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date", "performance"],
  });
}
const exactTimeout = globalThis.setTimeout;
globalThis.mpvmSetTimeoutExact = (fn, ms) => exactTimeout(fn, ms);
if (clock && spec.os_tick_ms) {
  const tick = spec.os_tick_ms;
  globalThis.setTimeout = (fn, ms, ...args) => {
    let delay = Number(ms) || 0;
    if (delay > 0) {
      const now = Date.now();
      delay = Math.ceil((now + delay) / tick) * tick - now;
    }
    return exactTimeout(fn, delay, ...args);
  };
}

if (spec.driver) globalThis.mpvmDriver = await import(spec.driver);
const out = (s) => process.stdout.write(s);
const mp = await loadMicroPython({ heapsize: spec.heapsize ?? 4 * 1024 * 1024, stdout: out, stderr: out, linebuffer: false });

function mkdirs(path) {
  const parts = path.split("/").filter(Boolean);
  let cur = "";
  for (const p of parts) {
    cur += "/" + p;
    try { mp.FS.mkdir(cur); } catch (e) { /* exists */ }
  }
}
for (const [path, b64] of Object.entries(spec.files ?? {})) {
  mkdirs(path.substring(0, path.lastIndexOf("/")));
  mp.FS.writeFile(path, Buffer.from(b64, "base64"));
}

const prelude = "import sys\n" + (spec.sys_path ?? []).map((p, i) => `sys.path.insert(${i}, ${JSON.stringify(p)})\n`).join("");
let ok = true, error = null, simMs = 0;
try {
  mp.runPython(prelude);
  if (spec.async) {
    let done = false, failure = null;
    const p = mp.runPythonAsync(spec.script).then(() => { done = true; }, (e) => { failure = e; done = true; });
    if (clock) {
      const tick = spec.tick_ms ?? 1;
      const maxMs = spec.max_sim_ms ?? 600_000;
      while (!done && simMs < maxMs) { await clock.tickAsync(tick); simMs += tick; }
      if (!done) throw new Error(`simulated time limit of ${maxMs} ms reached`);
    }
    await p;
    if (failure) throw failure;
  } else {
    mp.runPython(spec.script);
  }
} catch (e) {
  ok = false;
  error = String(e && e.message ? e.message : e);
}
const files = {};
for (const path of spec.collect ?? []) {
  try { files[path] = Buffer.from(mp.FS.readFile(path)).toString("base64"); } catch (e) { files[path] = null; }
}
if (clock) clock.uninstall();
out("\n__MPVM_RESULT__ " + JSON.stringify({ ok, error, sim_ms: simMs, files }) + "\n");
process.exitCode = 0;
