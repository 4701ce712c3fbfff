"""The securekey value in Python 3.6 or later, standard library only: see docs/key-format.md.

keys = read_secure_key("SECURE_KEY")                       # ValueError naming the variable, never the value
ok, refresh, slot = verify_presented_key(keys, presented, staged=is_staged("SECURE_KEY"))
response = present_with_fallback(peer_keys, lambda key, slot: call(key), lambda r: r.status == 401)
"""
import hashlib
import hmac
import json
import os
import re

MESSAGE = b"heroku-securekey/fingerprint/v1"
STANDARD = re.compile(r"[0-9A-Fa-f]{64}")
# What JavaScript's String.prototype.trim removes (Python's own strip() differs).
WHITESPACE = "\t\n\v\f\r \u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000\ufeff"


def _key_bytes(text):
    return bytes.fromhex(text) if STANDARD.fullmatch(text) else text.encode("utf-8")


def fingerprint(key):
    digest = hmac.new(_key_bytes(key.strip(WHITESPACE)), MESSAGE, hashlib.sha256).hexdigest()
    return "skfp1:" + digest[:16]


class SecureKey:
    def __init__(self, text):
        self.standard = STANDARD.fullmatch(text) is not None
        self.fingerprint = fingerprint(text)
        self._bytes, self._text = _key_bytes(text), text

    def matches(self, presented):
        return hmac.compare_digest(self._bytes, _key_bytes(presented.strip(WHITESPACE)))

    def reveal(self):  # for a client that must present the key; nothing else should read it
        return self._text

    def __repr__(self):
        return f"SecureKey({self.fingerprint})"


class SecureKeyPair:
    def __init__(self, latest, previous):
        self.latest, self.previous = SecureKey(latest), SecureKey(previous)

    def match(self, presented):
        latest, previous = self.latest.matches(presented), self.previous.matches(presented)
        return "latest" if latest else "previous" if previous else None

    def __repr__(self):
        return f"SecureKeyPair(latest {self.latest.fingerprint}, previous {self.previous.fingerprint})"


def parse_secure_key(value):
    """(pair, None) or (None, reason); the reason never contains the value."""
    text = (value or "").strip(WHITESPACE)
    if not text:
        return None, "empty"
    parts = [part.strip(WHITESPACE) for part in text.split(",")]
    if len(parts) != 2:
        return None, "one key" if len(parts) == 1 else "more than two keys"
    if "" in parts:
        return None, "empty key"
    return SecureKeyPair(*parts), None


def read_secure_key(variable="SECURE_KEY", env=os.environ):
    pair, reason = parse_secure_key(env.get(variable))
    if reason:
        problem = "is not set or empty" if reason == "empty" else f"is malformed ({reason})"
        raise ValueError(f'{variable} {problem}: expected "LATEST,PREVIOUS" from the securekey add-on')
    return pair


def is_staged(variable="SECURE_KEY", env=os.environ):
    try:
        rotation = json.loads(env.get(variable + "_RECORD", "{}")).get("rotation")
        return rotation.get("phase") == "staged"
    except (ValueError, AttributeError):
        return False


def verify_presented_key(pair, presented, staged=False):
    """(ok, refresh, slot); refresh never while staged, when PREVIOUS is the newer key."""
    slot = pair.match(presented) if presented else None
    return slot is not None, slot == "previous" and not staged, slot


def present_with_fallback(pair, attempt, rejected):
    first = attempt(pair.latest.reveal(), "latest")
    return attempt(pair.previous.reveal(), "previous") if rejected(first) else first
