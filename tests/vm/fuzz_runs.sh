# The VM tier's fuzz step, sourced by tests/vm/guest_tests.sh (which defines PYTHON, RESULTS,
# FUZZ_SEED, FUZZ_CALLS, FUZZ_RANDOM_SEED, now, note and fail). Two runs: the fixed seed, so
# every run repeats the same sequences, and a fresh random one (named in the VMTIER line, so a
# divergence is reproducible with VMPL_SGX_FUZZ_RANDOM_SEED or --seed).

# fuzz_run PART SEED LOG
fuzz_run() {
    t=$(now)
    if "$PYTHON" -m tests.vm.fuzz --seed "$2" --calls "$FUZZ_CALLS" > "$RESULTS/$3" 2>&1; then
        note "$1=$FUZZ_CALLS calls seed $2 ($(( $(now) - t ))s)"
    else
        tail -n 20 "$RESULTS/$3"
        fail "$1=FAILED (seed $2, see $3)"
    fi
}

fuzz_runs() {
    if [ ! -f tests/vm/fuzz.py ]; then
        echo "guest_tests: tests/vm/fuzz.py does not exist; skipping the fuzz step"
        note "fuzz=skipped (no tests/vm/fuzz.py)"
        return
    fi
    fuzz_run fuzz "$FUZZ_SEED" fuzz.log
    if [ -z "$FUZZ_RANDOM_SEED" ]; then
        FUZZ_RANDOM_SEED=$("$PYTHON" -c 'import secrets; print(secrets.randbelow(1 << 32))')
    fi
    fuzz_run fuzz_random "$FUZZ_RANDOM_SEED" fuzz-random.log
}
