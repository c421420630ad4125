"""Host-side pieces of the debug tier: the config fragment, its cache key, the report scan."""

from __future__ import annotations

from tests.vm import debug_run
from tests.vm.cache import REPO_ROOT
from tests.vm.debug_kernel import FRAGMENT, cache_key, config_mismatches, fragment_hash, settings
from tests.vm.debug_reports import describe, find_reports

KASAN_REPORT = """\
[   12.000000] ==================================================================
[   12.000001] BUG: KASAN: slab-use-after-free in seh_call_put+0x1c/0x40 [vmpl_sgx]
[   12.000002] Read of size 4 at addr ffff888003a1c0c4 by task python3/201
[   12.000003]
[   12.000004] CPU: 1 UID: 0 PID: 201 Comm: python3 Not tainted 6.12.95 #1
""".splitlines()

LOCKDEP_REPORT = """\
[   30.1] ======================================================
[   30.2] WARNING: possible circular locking dependency detected
[   30.3] 6.12.95 #1 Tainted: G           O
[   30.4] ------------------------------------------------------
""".splitlines()

CLEAN_BOOT = """\
[    0.0] KernelAddressSanitizer initialized (generic)
[    0.1] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar
[    0.2] kmemleak: Kernel memory leak detector initialized (mem pool available: 39000)
[    0.3] VMPL_SGX_VM: BEGIN script=/work/tests/vm/guest_debug.sh
""".splitlines()


def test_fragment_asks_for_every_checker() -> None:
    wanted = settings(FRAGMENT.read_text())
    for name in ("KASAN", "KASAN_GENERIC", "KASAN_INLINE", "PROVE_LOCKING",
                 "DEBUG_ATOMIC_SLEEP", "UBSAN_BOUNDS", "UBSAN_SHIFT", "DEBUG_KMEMLEAK",
                 "FAILSLAB", "FAIL_PAGE_ALLOC", "FAULT_INJECTION_DEBUG_FS",
                 "FAULT_INJECTION_STACKTRACE_FILTER", "PAGE_OWNER", "DETECT_HUNG_TASK",
                 "SOFTLOCKUP_DETECTOR", "MODULES", "MODULE_UNLOAD", "FUNCTION_PROFILER"):
        assert wanted.get(f"CONFIG_{name}") == "y", name
    assert wanted["CONFIG_PANIC_ON_OOPS"] == "n"
    assert wanted["CONFIG_MODULE_SIG"] == "n"


def test_cache_key_follows_settings_not_comments() -> None:
    text = "# a comment\nCONFIG_KASAN=y\n# CONFIG_MODULE_SIG is not set\n"
    assert fragment_hash(text) == fragment_hash("CONFIG_KASAN=y\n# other words\n"
                                                "# CONFIG_MODULE_SIG is not set\n")
    assert fragment_hash(text) != fragment_hash("CONFIG_KASAN=n\n")
    key = cache_key("6.12.95-1~bpo12+1", text)
    assert key.startswith("6.12.95-1_bpo12_1-") and "/" not in key
    assert cache_key("6.12.96-1~bpo12+1", text) != key


def test_config_mismatches_name_dropped_settings() -> None:
    fragment = "CONFIG_KASAN=y\nCONFIG_9P_FS=y\n# CONFIG_MODULE_SIG is not set\n"
    config = "CONFIG_KASAN=y\n# CONFIG_9P_FS is not set\nCONFIG_MODULE_SIG=y\n"
    assert config_mismatches(fragment, config) == [
        "CONFIG_9P_FS: wanted y, got n", "CONFIG_MODULE_SIG: wanted n, got y"]
    assert config_mismatches(fragment, fragment) == []


def test_reports_counted_once_each_with_first_lines() -> None:
    reports = find_reports(CLEAN_BOOT + KASAN_REPORT + LOCKDEP_REPORT)
    assert [r.title for r in reports] == [
        "BUG: KASAN: slab-use-after-free in seh_call_put+0x1c/0x40 [vmpl_sgx]",
        "WARNING: possible circular locking dependency detected",
    ]
    assert reports[0].line_no == len(CLEAN_BOOT) + 2
    assert "Read of size 4" in reports[0].lines[1]
    text = "\n".join(describe(reports))
    assert "slab-use-after-free" in text and "circular locking" in text


def test_clean_boot_has_no_reports() -> None:
    assert find_reports(CLEAN_BOOT) == []


def test_other_checkers_are_reports() -> None:
    lines = [
        "[ 1.0] BUG: sleeping function called from invalid context at mm/slub.c:4200",
        "[ 2.0] UBSAN: shift-out-of-bounds in drivers/foo.c:12:3",
        "[ 3.0] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)",
        "[ 4.0] INFO: task python3:300 blocked for more than 120 seconds.",
        "[ 5.0] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:",
        "[ 6.0] WARNING: CPU: 0 PID: 1 at kernel_module/seh.c:10 seh_call_put+0x1/0x2",
        "[ 7.0] ODEBUG: free active (active state 0) object: 00000000 object type: timer_list",
    ]
    spaced = [line for pair in zip(lines, ["[ x] ok"] * len(lines)) for line in pair]
    assert len(find_reports(spaced)) == len(lines)


def test_the_split_runs_every_part_once() -> None:
    parts = [part for share in debug_run.SPLIT for part in share.split(",")]
    assert sorted(parts) == sorted(debug_run.ALL_PARTS)
    # guest_tests.sh knows the suite's parts; guest_debug.sh adds faultinject.
    script = (REPO_ROOT / "tests" / "vm" / "guest_tests.sh").read_text()
    suite = {part for part in debug_run.ALL_PARTS if part != "faultinject"}
    assert f'ALL_PARTS="{" ".join(p for p in debug_run.ALL_PARTS if p in suite)}"' in script


def test_parts_are_read_from_the_tier_line() -> None:
    line = "VMTIER-DEBUG kernel=6.12 kasan=on suite=ok parts=guest,faultinject"
    assert debug_run._parts_of(line) == ["guest", "faultinject"]
    assert debug_run._parts_of("VMTIER-DEBUG kernel=6.12 suite=FAILED(1)") == []
    assert debug_run._parts_of(None) == []
