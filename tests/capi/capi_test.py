#!/usr/bin/env python3
"""The C API through Python ctypes (no third-party modules), end to end
against a real hub started by with_hub.sh - as a Kotlin or Swift binding
would drive liboutpost.so: init, enroll, sync, search, open and read with
seek, present, feedback, content request, lead capture, status, background
sync picking up a new version (catalog-changed callback), blocked opens,
bad handles, wrong passphrase, closed readers, and no leaked objects.

    with_hub.sh HUB PUBLISH -- python3 capi_test.py path/to/liboutpost.so
"""
import ctypes as C
import json
import os
import random
import subprocess
import sys
import threading
import time
import unittest

LIB_PATH = sys.argv.pop(1) if len(sys.argv) > 1 else os.environ.get("OUTPOST_CAPI_LIB", "liboutpost.so")
lib = C.CDLL(LIB_PATH)

OK, INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS = 0, 1, 2, 3
WRONG_KEY, PERMISSION, BUSY = 5, 6, 11
BLOCKED, INVALID_HANDLE, WIPED, INTERNAL = 100, 101, 102, 199


class Error(C.Structure):
    _fields_ = [("code", C.c_int32), ("transient", C.c_int32), ("message", C.c_char * 512)]


Dev = C.c_void_p
PROGRESS_FN = C.CFUNCTYPE(None, C.c_void_p, C.c_char_p, C.c_uint64, C.c_uint64)
EVENT_FN = C.CFUNCTYPE(None, C.c_void_p, C.c_char_p)
ERR = C.POINTER(Error)
STR_OUT = C.POINTER(C.c_void_p)  # char**: kept as void* so the library's pointer can be freed


def declare(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)


declare("outpost_code_name", C.c_char_p, C.c_int32)
declare("outpost_version", C.c_char_p)
declare("outpost_string_free", None, C.c_void_p)
declare("outpost_live_objects", C.c_int64)
declare("outpost_home_init", C.c_int32, C.c_char_p, C.c_char_p, C.c_char_p, ERR)
declare("outpost_device_open", C.c_int32, C.c_char_p, C.c_char_p, C.c_char_p, C.POINTER(C.c_void_p), ERR)
declare("outpost_device_close", None, C.c_void_p)
declare("outpost_device_enroll", C.c_int32, Dev, C.c_char_p, C.c_uint32, STR_OUT, ERR)
declare("outpost_device_sync_once", C.c_int32, Dev, C.c_uint32, STR_OUT, ERR)
declare("outpost_device_start_background_sync", C.c_int32, Dev, C.c_uint32, ERR)
declare("outpost_device_stop_background_sync", C.c_int32, Dev, ERR)
declare("outpost_device_on_sync_progress", C.c_int32, Dev, PROGRESS_FN, C.c_void_p, ERR)
declare("outpost_device_on_catalog_changed", C.c_int32, Dev, EVENT_FN, C.c_void_p, ERR)
declare("outpost_device_on_sync_done", C.c_int32, Dev, EVENT_FN, C.c_void_p, ERR)
declare("outpost_device_status", C.c_int32, Dev, STR_OUT, ERR)
declare("outpost_catalog_list", C.c_int32, Dev, STR_OUT, ERR)
declare("outpost_catalog_search", C.c_int32, Dev, C.c_char_p, C.c_char_p, C.c_uint32, STR_OUT, ERR)
declare("outpost_search_choice", C.c_int32, Dev, C.c_char_p, C.c_char_p, C.c_uint64, C.c_char_p, ERR)
declare("outpost_asset_peek", C.c_int32, Dev, C.c_char_p, C.c_uint64, STR_OUT, ERR)
declare("outpost_asset_open", C.c_int32, Dev, C.c_char_p, C.c_uint64, C.POINTER(C.c_void_p), STR_OUT, ERR)
declare("outpost_reader_size", C.c_int32, C.c_void_p, C.POINTER(C.c_uint64), ERR)
declare("outpost_reader_seek", C.c_int32, C.c_void_p, C.c_uint64, ERR)
declare("outpost_reader_tell", C.c_int32, C.c_void_p, C.POINTER(C.c_uint64), ERR)
declare("outpost_reader_read", C.c_int32, C.c_void_p, C.c_void_p, C.c_size_t, C.POINTER(C.c_size_t), ERR)
declare("outpost_reader_read_at", C.c_int32, C.c_void_p, C.c_uint64, C.c_void_p, C.c_size_t,
        C.POINTER(C.c_size_t), ERR)
declare("outpost_reader_free", None, C.c_void_p)
declare("outpost_presentation_start", C.c_int32, Dev, C.c_char_p, C.c_uint64, C.POINTER(C.c_void_p),
        C.POINTER(C.c_void_p), STR_OUT, ERR)
declare("outpost_presentation_show_page", C.c_int32, C.c_void_p, C.c_uint64, ERR)
declare("outpost_presentation_end", C.c_int32, C.c_void_p, STR_OUT, ERR)
declare("outpost_presentation_free", None, C.c_void_p)
declare("outpost_asset_feedback", C.c_int32, Dev, C.c_char_p, C.c_uint64, C.c_uint32, C.c_char_p, C.c_int32,
        STR_OUT, ERR)
declare("outpost_content_request", C.c_int32, Dev, C.c_char_p, C.c_char_p, STR_OUT, ERR)
declare("outpost_lead_form", C.c_int32, Dev, C.c_char_p, STR_OUT, ERR)
declare("outpost_lead_capture", C.c_int32, Dev, C.c_char_p, C.c_char_p, STR_OUT, ERR)
declare("outpost_leads_assigned", C.c_int32, Dev, STR_OUT, ERR)
declare("outpost_lead_assigned", C.c_int32, Dev, C.c_char_p, STR_OUT, ERR)
declare("outpost_lead_follow_up", C.c_int32, Dev, C.c_char_p, C.c_char_p, C.c_char_p, STR_OUT, ERR)


class OutpostError(Exception):
    def __init__(self, code, message, payload=None):
        super().__init__(f"{lib.outpost_code_name(code).decode()}: {message}")
        self.code, self.message, self.payload = code, message, payload


def b(text):
    return None if text is None else text.encode("utf-8")


def call(fn, *args, want_json=True):
    """Calls fn(*args, [char** out,] outpost_error*) and returns the parsed
    JSON (or None); raises OutpostError carrying any JSON the call set."""
    err = Error()
    out = C.c_void_p()
    code = fn(*args, C.byref(out), C.byref(err)) if want_json else fn(*args, C.byref(err))
    payload = None
    if out.value:
        payload = json.loads(C.string_at(out.value).decode("utf-8"))
        lib.outpost_string_free(out)
    if code != OK:
        raise OutpostError(code, err.message.decode("utf-8"), payload)
    assert err.code == OK and err.message == b""
    return payload


def open_device(path, passphrase=None):
    err = Error()
    handle = C.c_void_p()
    code = lib.outpost_device_open(b(path), b(passphrase), None, C.byref(handle), C.byref(err))
    if code != OK:
        assert not handle.value
        raise OutpostError(code, err.message.decode())
    return handle


def open_asset(dev, asset, version=0):
    """(reader, decision) when allowed; raises OutpostError(BLOCKED) with the decision."""
    err = Error()
    reader = C.c_void_p()
    out = C.c_void_p()
    code = lib.outpost_asset_open(dev, b(asset), version, C.byref(reader), C.byref(out), C.byref(err))
    decision = json.loads(C.string_at(out.value)) if out.value else None
    lib.outpost_string_free(out)
    if code != OK:
        assert not reader.value
        raise OutpostError(code, err.message.decode(), decision)
    return reader, decision


def read(reader, size, offset=None):
    buf = C.create_string_buffer(size)
    n = C.c_size_t()
    err = Error()
    if offset is None:
        code = lib.outpost_reader_read(reader, buf, size, C.byref(n), C.byref(err))
    else:
        code = lib.outpost_reader_read_at(reader, offset, buf, size, C.byref(n), C.byref(err))
    if code != OK:
        raise OutpostError(code, err.message.decode())
    return buf.raw[: n.value]


def publish_env():
    # The publisher is a program of its own: no sanitizer preload for it.
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    return env


class Events:
    def __init__(self):
        self.lock = threading.Lock()
        self.progress = 0
        self.changed = []
        self.done = []
        self.worker_threads = set()

    def wait(self, attr, count, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                if len(getattr(self, attr)) >= count:
                    return True
            time.sleep(0.1)
        return False


class CapiTest(unittest.TestCase):
    """One story, in order: each test builds on the device state before it."""

    work = os.environ.get("OUTPOST_TEST_WORK")

    @classmethod
    def setUpClass(cls):
        if not cls.work:
            raise unittest.SkipTest("run through with_hub.sh")
        cls.home = os.path.join(cls.work, "py-rep")
        cls.events = Events()
        e = cls.events

        def on_progress(_user, phase, _done, _total):
            with e.lock:
                e.progress += 1
                e.worker_threads.add(threading.get_ident())

        def on_changed(_user, text):
            with e.lock:
                e.changed.append(json.loads(text))

        def on_done(_user, text):
            with e.lock:
                e.done.append(json.loads(text))

        # Kept referenced for as long as the library may call them.
        cls.callbacks = (PROGRESS_FN(on_progress), EVENT_FN(on_changed), EVENT_FN(on_done))

    def test_01_library(self):
        self.assertRegex(lib.outpost_version().decode(), r"^\d+\.\d+\.\d+$")
        names = {c: lib.outpost_code_name(c).decode() for c in (OK, NOT_FOUND, BLOCKED, INVALID_HANDLE, WIPED, 7777)}
        self.assertEqual(names, {OK: "ok", NOT_FOUND: "not_found", BLOCKED: "blocked",
                                 INVALID_HANDLE: "invalid_handle", WIPED: "wiped", 7777: "unknown"})

    def test_02_wrong_passphrase(self):
        path = os.path.join(self.work, "py-locked")
        call(lib.outpost_home_init, b(path), b"s3cret passphrase", None, want_json=False)
        with self.assertRaises(OutpostError) as caught:
            open_device(path, "not it")
        self.assertEqual(caught.exception.code, WRONG_KEY)
        dev = open_device(path, "s3cret passphrase")
        lib.outpost_device_close(dev)

    def test_03_init_enroll_sync(self):
        call(lib.outpost_home_init, b(self.home), None, None, want_json=False)
        with self.assertRaises(OutpostError) as caught:
            call(lib.outpost_home_init, b(self.home), None, None, want_json=False)
        self.assertEqual(caught.exception.code, ALREADY_EXISTS)
        type(self).dev = dev = open_device(self.home)
        with self.assertRaises(OutpostError) as caught:
            open_device(self.home)
        self.assertEqual(caught.exception.code, BUSY)

        link = call(lib.outpost_device_enroll, dev, b(os.environ["OUTPOST_TEST_TOKEN"]), 0)
        self.assertEqual(link["device"], "capi-rep")
        self.assertEqual(link["role"], "rep")

        progress, changed, done = self.callbacks
        call(lib.outpost_device_on_sync_progress, dev, progress, None, want_json=False)
        call(lib.outpost_device_on_catalog_changed, dev, changed, None, want_json=False)
        call(lib.outpost_device_on_sync_done, dev, done, None, want_json=False)
        report = call(lib.outpost_device_sync_once, dev, 0)
        self.assertEqual(report["releases"], 3)
        self.assertEqual(report["versions_fetched"], 3)
        self.assertFalse(report["wiped"])
        with self.events.lock:
            self.assertGreater(self.events.progress, 0)
            self.assertNotIn(threading.get_ident(), self.events.worker_threads)  # callbacks: the worker thread
            self.assertEqual(len(self.events.changed), 1)
            self.assertEqual(self.events.changed[0]["releases"], 3)
            self.assertTrue(self.events.done[-1]["ok"])

    def test_04_status(self):
        status = call(lib.outpost_device_status, self.dev)
        self.assertEqual(status["link"]["device"], "capi-rep")
        self.assertEqual(status["catalog"]["seq"], 3)
        self.assertIsNotNone(status["catalog"]["verified_as_of"])
        self.assertGreater(status["catalog"]["offline_budget"]["price-sheet"]["left_s"], 0)
        self.assertEqual(status["cache"]["versions"], 3)
        self.assertEqual(status["journal"]["head_seq"], 0)  # syncing journals nothing
        self.assertEqual(status["sync"]["background"], False)
        self.assertTrue(status["sync"]["last_sync"]["ok"])
        self.assertEqual(status["sync"]["last_sync"]["report"]["releases"], 3)

    def test_05_search(self):
        found = call(lib.outpost_catalog_search, self.dev, b"hospital plat", None, 0)
        self.assertEqual([h["asset"] for h in found["hits"]], ["hospital-deck"])
        self.assertTrue(found["hits"][0]["decision"]["allowed"])
        before = call(lib.outpost_device_status, self.dev)["journal"]["head_seq"]
        call(lib.outpost_search_choice, self.dev, b"hospital plat", None, 1, b"hospital-deck", want_json=False)
        self.assertEqual(call(lib.outpost_device_status, self.dev)["journal"]["head_seq"], before + 1)
        with self.assertRaises(OutpostError) as bad:
            call(lib.outpost_search_choice, self.dev, b"hospital", None, 1, None, want_json=False)
        self.assertEqual(bad.exception.code, INVALID_ARGUMENT)
        emea = call(lib.outpost_catalog_search, self.dev, b"", b'{"region": "EMEA"}', 10)
        self.assertEqual(sorted(h["asset"] for h in emea["hits"]), ["emea-prices", "hospital-deck"])
        with self.assertRaises(OutpostError) as caught:
            call(lib.outpost_catalog_search, self.dev, b"x", b'{"region": 5}', 10)
        self.assertEqual(caught.exception.code, INVALID_ARGUMENT)
        self.assertIn("region", caught.exception.message)
        listed = call(lib.outpost_catalog_list, self.dev)
        self.assertEqual(sorted(r["asset"] for r in listed), ["booth-form", "emea-prices", "hospital-deck"])
        self.assertTrue(all(r["decision"]["allowed"] for r in listed))

    def test_06_open_and_read(self):
        with open(os.environ["OUTPOST_TEST_DECK_FILE"], "rb") as f:
            deck = f.read()
        reader, decision = open_asset(self.dev, "hospital-deck")
        self.assertEqual((decision["asset"], decision["version"], decision["allowed"]), ("hospital-deck", 1, True))
        size = C.c_uint64()
        call(lib.outpost_reader_size, reader, C.byref(size), want_json=False)
        self.assertEqual(size.value, len(deck))
        whole = b""
        while True:
            piece = read(reader, 65537)
            if not piece:
                break
            whole += piece
        self.assertEqual(whole, deck)
        call(lib.outpost_reader_seek, reader, 123457, want_json=False)
        self.assertEqual(read(reader, 200000), deck[123457:323457])
        pos = C.c_uint64()
        call(lib.outpost_reader_tell, reader, C.byref(pos), want_json=False)
        self.assertEqual(pos.value, 323457)
        self.assertEqual(read(reader, 50, offset=len(deck) - 20), deck[-20:])
        self.assertEqual(read(reader, 50, offset=len(deck) + 1), b"")
        lib.outpost_reader_free(reader)
        with self.assertRaises(OutpostError) as caught:
            read(reader, 10)
        self.assertEqual(caught.exception.code, INVALID_HANDLE)

    def test_06_z_many_threads_at_once(self):
        # Calls from several threads queue on the device's worker; each gets its own answer.
        with open(os.environ["OUTPOST_TEST_DECK_FILE"], "rb") as f:
            deck = f.read()
        reader, _ = open_asset(self.dev, "hospital-deck")
        problems = []

        def work(seed):
            rnd = random.Random(seed)
            try:
                for _ in range(30):
                    offset, size = rnd.randrange(len(deck)), rnd.randrange(1, 100000)
                    if read(reader, size, offset=offset) != deck[offset:offset + size]:
                        problems.append(f"wrong bytes at {offset}+{size}")
                    hits = call(lib.outpost_catalog_search, self.dev, b"hospital", None, 0)["hits"]
                    if [h["asset"] for h in hits] != ["hospital-deck"]:
                        problems.append("wrong search hits")
            except Exception as e:  # reported below, on the test's thread
                problems.append(repr(e))

        threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        self.assertFalse(any(t.is_alive() for t in threads), "calls did not finish within 120 s")
        self.assertEqual(problems, [])
        lib.outpost_reader_free(reader)

    def test_07_present(self):
        err = Error()
        p, reader, out = C.c_void_p(), C.c_void_p(), C.c_void_p()
        code = lib.outpost_presentation_start(self.dev, b"hospital-deck", 0, C.byref(p), C.byref(reader),
                                              C.byref(out), C.byref(err))
        self.assertEqual(code, OK, err.message)
        lib.outpost_string_free(out)
        self.assertEqual(read(reader, 8), b"Hospital")
        for page in (1, 2, 3, 2):
            call(lib.outpost_presentation_show_page, p, page, want_json=False)
        summary = call(lib.outpost_presentation_end, p)
        self.assertEqual(summary["pages"], 4)
        self.assertEqual((summary["asset"], summary["version"]), ("hospital-deck", 1))
        self.assertGreaterEqual(summary["duration_ms"], 0)
        with self.assertRaises(OutpostError) as caught:
            call(lib.outpost_presentation_end, p)
        self.assertEqual(caught.exception.code, INVALID_ARGUMENT)
        lib.outpost_presentation_free(p)
        lib.outpost_reader_free(reader)

    def test_08_feedback_and_request(self):
        fb = call(lib.outpost_asset_feedback, self.dev, b"hospital-deck", 0, 2, b"EMEA prices missing", 1)
        self.assertGreater(fb["seq"], 0)
        req = call(lib.outpost_content_request, self.dev, "Étude de cas: hôpitaux".encode(), None)
        self.assertEqual(req["seq"], fb["seq"] + 1)
        with self.assertRaises(OutpostError) as caught:
            call(lib.outpost_asset_feedback, self.dev, b"hospital-deck", 0, 0, None, 0)
        self.assertEqual(caught.exception.code, INVALID_ARGUMENT)

    def test_09_leads(self):
        form = call(lib.outpost_lead_form, self.dev, b"booth-form")
        self.assertEqual([f["name"] for f in form["fields"]], ["email", "name", "company"])
        request = {"fields": {"email": "Ana.Lima@Example.com", "name": "Ana Lima", "company": "Hospital São João"},
                   "answers": {"timeline": "now"}, "consent": True}
        captured = call(lib.outpost_lead_capture, self.dev, b"booth-form", json.dumps(request).encode())
        self.assertEqual((captured["repeat"], captured["score"], captured["show"]), (False, 10, "rsa-2027"))
        again = call(lib.outpost_lead_capture, self.dev, b"booth-form", json.dumps(request).encode())
        self.assertTrue(again["repeat"])

        head = call(lib.outpost_device_status, self.dev)["journal"]["head_seq"]
        bad = {"fields": {"email": "ana-at-example", "name": ""}, "consent": True}
        with self.assertRaises(OutpostError) as caught:
            call(lib.outpost_lead_capture, self.dev, b"booth-form", json.dumps(bad).encode())
        e = caught.exception
        self.assertEqual(e.code, INVALID_ARGUMENT)
        self.assertIn("email", e.message)
        self.assertIn("name", e.message)
        self.assertNotIn("ana-at-example", e.message)
        self.assertEqual(sorted(x["field"] for x in e.payload["errors"]), ["email", "name"])
        self.assertEqual(call(lib.outpost_device_status, self.dev)["journal"]["head_seq"], head)

        with self.assertRaises(OutpostError) as caught:
            call(lib.outpost_lead_capture, self.dev, b"booth-form", b'{"fields": {}, "colour": "red"}')
        self.assertIn("colour", caught.exception.message)
        self.assertIsNone(caught.exception.payload)

    def test_09_z_assigned_leads(self):
        # The lead this device captured reaches the hub; the admin assigns it
        # back to this (rep) device, which lists it, shows it and follows it up.
        def hub(*args):
            done = subprocess.run([os.environ["OUTPOST_HUB_BIN"], "--home", os.environ["OUTPOST_HUB_HOME"],
                                   *args], check=True, capture_output=True, env=publish_env(), timeout=120)
            return json.loads(done.stdout)

        self.assertEqual(call(lib.outpost_leads_assigned, self.dev), {"leads": []})
        call(lib.outpost_device_sync_once, self.dev, 0)
        leads = hub("--json", "leads", "list")
        self.assertEqual(len(leads), 1)
        lead = leads[0]["lead"]
        hub("--json", "leads", "assign", lead, "--rep", "capi-rep")
        report = call(lib.outpost_device_sync_once, self.dev, 0)
        self.assertEqual(report["leads_assigned"], 1)

        listed = call(lib.outpost_leads_assigned, self.dev)["leads"]
        self.assertEqual([(x["lead"], x["email"], x["follow_up"]) for x in listed],
                         [(lead, "ana.lima@example.com", None)])
        shown = call(lib.outpost_lead_assigned, self.dev, b(lead))
        self.assertEqual(shown["fields"]["company"], "Hospital São João")
        self.assertEqual(shown["visits"][0]["answers"], {"timeline": "now"})
        with self.assertRaises(OutpostError) as caught:
            call(lib.outpost_lead_assigned, self.dev, b"L-NOTASSIGNED")
        self.assertEqual(caught.exception.code, NOT_FOUND)
        with self.assertRaises(OutpostError) as caught:
            call(lib.outpost_lead_follow_up, self.dev, b(lead), b"sold", None)
        self.assertEqual(caught.exception.code, INVALID_ARGUMENT)

        done = call(lib.outpost_lead_follow_up, self.dev, b(lead), b"meeting", "Démo mardi".encode())
        self.assertEqual((done["lead"], done["outcome"]), (lead, "meeting"))
        self.assertEqual(call(lib.outpost_lead_assigned, self.dev, b(lead))["follow_up"]["outcome"], "meeting")
        call(lib.outpost_device_sync_once, self.dev, 0)
        follow_ups = hub("--json", "leads", "show", lead)["follow_ups"]
        self.assertEqual([(f["device"], f["outcome"], f["note"]) for f in follow_ups],
                         [("capi-rep", "meeting", "Démo mardi")])

    def test_10_background_sync_brings_a_new_version(self):
        e = self.events
        with e.lock:
            changed, done = len(e.changed), len(e.done)
        call(lib.outpost_device_start_background_sync, self.dev, 20, want_json=False)
        with self.assertRaises(OutpostError) as caught:
            call(lib.outpost_device_sync_once, self.dev, 0)
        self.assertEqual(caught.exception.code, BUSY)
        self.assertTrue(e.wait("done", done + 1, 60), "the first background session did not end")
        self.assertTrue(call(lib.outpost_device_status, self.dev)["sync"]["background"])

        path = os.path.join(self.work, "py-prices-v2.txt")
        with open(path, "w") as f:
            f.write("EMEA price list 2027 - version 2 (new discounts)\n")
        subprocess.run([os.environ["OUTPOST_PUBLISH_BIN"], "--quiet", "publish", path, "--asset", "emea-prices",
                        "--title", "EMEA price list", "--kind", "price-sheet", "--critical", "price-sheet"],
                       check=True, stdout=subprocess.DEVNULL, env=publish_env(), timeout=120)
        self.assertTrue(e.wait("changed", changed + 1, 60), "no catalog-changed callback within 60 s")
        with e.lock:
            self.assertEqual(e.changed[-1]["releases"], 1)

        reader, decision = open_asset(self.dev, "emea-prices")
        self.assertEqual(decision["version"], 2)
        self.assertIn(b"version 2", read(reader, 100))
        lib.outpost_reader_free(reader)
        with self.assertRaises(OutpostError) as caught:
            open_asset(self.dev, "emea-prices", 1)
        self.assertEqual(caught.exception.code, BLOCKED)
        self.assertEqual(caught.exception.payload["reason"], "superseded")
        self.assertFalse(caught.exception.payload["allowed"])

        call(lib.outpost_device_stop_background_sync, self.dev, want_json=False)
        self.assertFalse(call(lib.outpost_device_status, self.dev)["sync"]["background"])

    def test_11_revoked_version_is_blocked(self):
        subprocess.run([os.environ["OUTPOST_PUBLISH_BIN"], "--quiet", "revoke", "hospital-deck@1", "--reason",
                        "claims no longer approved"], check=True, stdout=subprocess.DEVNULL, env=publish_env(),
                       timeout=120)
        report = call(lib.outpost_device_sync_once, self.dev, 0)
        self.assertEqual(report["revocations"], 1)
        with self.assertRaises(OutpostError) as caught:
            open_asset(self.dev, "hospital-deck")
        self.assertEqual(caught.exception.code, BLOCKED)
        self.assertEqual(caught.exception.payload["reason"], "revoked")
        peek = call(lib.outpost_asset_peek, self.dev, b"hospital-deck", 1)
        self.assertEqual(peek["reason"], "revoked")

    def test_12_bad_handles_and_close(self):
        with self.assertRaises(OutpostError) as caught:
            call(lib.outpost_device_status, None)
        self.assertEqual(caught.exception.code, INVALID_HANDLE)
        bogus = C.c_void_p(0xDEADBEEF)
        with self.assertRaises(OutpostError) as caught:
            call(lib.outpost_catalog_list, bogus)
        self.assertEqual(caught.exception.code, INVALID_HANDLE)
        with self.assertRaises(OutpostError) as caught:
            call(lib.outpost_device_enroll, self.dev, None, 0)
        self.assertEqual(caught.exception.code, INVALID_ARGUMENT)

        reader, _ = open_asset(self.dev, "emea-prices")
        call(lib.outpost_device_on_sync_progress, self.dev, PROGRESS_FN(), None, want_json=False)
        call(lib.outpost_device_on_catalog_changed, self.dev, EVENT_FN(), None, want_json=False)
        call(lib.outpost_device_on_sync_done, self.dev, EVENT_FN(), None, want_json=False)
        lib.outpost_device_close(self.dev)
        with self.assertRaises(OutpostError) as caught:
            read(reader, 10)
        self.assertEqual(caught.exception.code, INVALID_HANDLE)
        lib.outpost_reader_free(reader)
        lib.outpost_reader_free(reader)
        with self.assertRaises(OutpostError) as caught:
            call(lib.outpost_device_status, self.dev)
        self.assertEqual(caught.exception.code, INVALID_HANDLE)
        self.assertEqual(lib.outpost_live_objects(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
