"""Prints securekey.py's answers to every vector in a vectors file (docs/key-format-vectors.json) as JSON, for
test/unit/runtime/key-format-vectors.test.ts to compare with the expected ones: python3 run_vectors.py VECTORS"""
import json
import os
import sys

sys.dont_write_bytecode = True  # leave no __pycache__ beside the snippet
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from securekey import fingerprint, is_staged, parse_secure_key, present_with_fallback, verify_presented_key  # noqa: E402


def env(record):
    return {} if record is None else {"SECURE_KEY_RECORD": record}


def verified(answer):
    ok, refresh, slot = answer
    return {"ok": ok, "refresh": refresh, "slot": slot}


def parsed(value):
    pair, reason = parse_secure_key(value)
    if reason:
        return {"ok": False, "reason": reason}
    keys = {slot: getattr(pair, slot) for slot in ("latest", "previous")}
    return {"ok": True, **{slot: {"fingerprint": k.fingerprint, "standard": k.standard} for slot, k in keys.items()}}


def phase(vector):
    pair, staged = parse_secure_key(vector["value"])[0], is_staged("SECURE_KEY", env(vector["record"]))
    return {"staged": staged, "presented": [verified(verify_presented_key(pair, p["presented"], staged)) for p in vector["presented"]]}


def fallback(vector):
    server, attempts = parse_secure_key(vector["server"]["value"])[0], []
    staged = is_staged("SECURE_KEY", env(vector["server"]["record"]))

    def attempt(key, slot):
        attempts.append(slot)
        return verified(verify_presented_key(server, key, staged))

    result = present_with_fallback(parse_secure_key(vector["client"])[0], attempt, lambda answer: not answer["ok"])
    return {"attempts": attempts, "result": result}


vectors = json.load(open(sys.argv[1], encoding="utf-8"))
json.dump({
    "fingerprint": [fingerprint(v["key"]) for v in vectors["fingerprint"]],
    "parse": [parsed(v["value"]) for v in vectors["parse"]],
    "verify": [verified(verify_presented_key(parse_secure_key(v["value"])[0], v["presented"])) for v in vectors["verify"]],
    "staged": [is_staged("SECURE_KEY", env(v["record"])) for v in vectors["staged"]],
    "phases": [phase(v) for v in vectors["phases"]],
    "fallback": [fallback(v) for v in vectors["fallback"]],
}, sys.stdout)
