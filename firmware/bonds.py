# The band's bonds: the pairing keys NimBLE asks to keep (_IRQ_SET_SECRET) and to read back
# (_IRQ_GET_SECRET), for at most MAX_PEERS hosts (the least recently paired is forgotten first),
# in one flash file written atomically. A missing or corrupt file is an empty store: the hosts
# pair again; the band never fails to boot over it.
import json
from binascii import hexlify, unhexlify

from micropython import const

from flashfile import TMP_SUFFIX, write_atomic

BONDS_PATH = "/bonds.json"
MAX_PEERS = const(4)
_VERSION = const(1)
# NimBLE's own identity key (SECRET_TYPE_OUR_IRK in modbluetooth_nimble.c): not a peer's bond.
SECRET_OUR_IRK = const(10)


# The entries of a parsed bonds file, or None if anything in it is malformed.
def _parse(doc):
    if not isinstance(doc, dict) or doc.get("v") != _VERSION or not isinstance(doc.get("secrets"), list):
        return None
    out = []
    for e in doc["secrets"]:
        if not isinstance(e, list) or len(e) != 3 or not isinstance(e[0], int):
            return None
        out.append([e[0], unhexlify(e[1]), unhexlify(e[2])])
    return out


# The entries in the file at path (None if missing or unreadable).
def _read(path):
    try:
        with open(path) as f:
            return _parse(json.load(f))
    except Exception:
        return None


class Bonds:
    # Secrets as [type, key, value] (bytes), oldest first; `fallback` says why the store started
    # empty (None when the file loaded, or "missing"/"corrupt").

    def __init__(self, path=BONDS_PATH, max_peers=MAX_PEERS):
        self._path = path
        self._max = max_peers
        self.fallback = None
        entries = _read(path)
        if entries is None:
            entries = _read(path + TMP_SUFFIX)  # a save cut short between remove and rename
        if entries is None:
            entries = []
            self.fallback = "missing or corrupt"
        self._entries = entries

    # The value of a secret, or None. key None: the index-th secret of that type (NimBLE
    # iterating over every bonded peer).
    def get(self, sec_type, index, key):
        i = 0
        for t, k, v in self._entries:
            if t != sec_type:
                continue
            if key is None:
                if i == index:
                    return v
                i += 1
            elif k == key:
                return v
        return None

    # Stores (value None: deletes) a secret; False if the flash write failed (nothing changed).
    def set(self, sec_type, key, value):
        key = bytes(key)
        entries = [e for e in self._entries if not (e[0] == sec_type and e[1] == key)]
        if value is not None:
            entries.append([sec_type, key, bytes(value)])
            entries = self._evict(entries)
        return self._save(entries)

    # The keys (peer addresses) of the bonded hosts, least recently paired first.
    def peers(self):
        out = []
        for t, k, _ in self._entries:
            if t != SECRET_OUR_IRK:
                if k in out:
                    out.remove(k)
                out.append(k)
        return out

    # Forgets every host (factory reset); the band's own identity key stays.
    def clear(self):
        return self._save([e for e in self._entries if e[0] == SECRET_OUR_IRK])

    # Drops the least recently paired hosts beyond MAX_PEERS.
    def _evict(self, entries):
        order = []
        for t, k, _ in entries:
            if t != SECRET_OUR_IRK:
                if k in order:
                    order.remove(k)
                order.append(k)
        gone = order[: max(0, len(order) - self._max)]
        return [e for e in entries if e[0] == SECRET_OUR_IRK or e[1] not in gone]

    def _save(self, entries):
        doc = {"v": _VERSION, "secrets": [[t, hexlify(k).decode(), hexlify(v).decode()] for t, k, v in entries]}
        try:
            write_atomic(self._path, json.dumps(doc).encode())
        except OSError:
            return False
        self._entries = entries
        return True
