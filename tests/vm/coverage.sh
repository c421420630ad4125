# The VM tier's coverage record, sourced by tests/vm/guest_tests.sh (which defines RESULTS,
# PYTHON, WORK, note and fail). The function tracer, restricted to the module, runs from before
# insmod to after rmmod; a reader keeps the name of every module function that ran.
# `python -m tests.vm.coverage` turns the files below into the VMTIER coverage verdict
# (tests/vm/README.md, "Coverage"). Files in $RESULTS:
#   coverage-reached.txt    each traced function once, in first-seen order (a hex address
#                           once the module is gone); "LOST ..." lines if the buffer overran
#   coverage-functions.txt  the module's traceable functions (available_filter_functions)
#   coverage-kallsyms.txt   the module's symbols, to name addresses traced during rmmod

TRACING=/sys/kernel/debug/tracing
# A function the suite never calls: it keeps the filter non-empty until the module's own
# functions join it at insmod (an empty filter traces every function of the kernel).
COVERAGE_SENTINEL=__x64_sys_reboot
coverage_reader=""
coverage_awk=""

# Before insmod. Returns non-zero (and says why) if coverage cannot be recorded.
coverage_arm() {
    [ -f "$TRACING/set_ftrace_filter" ] || mount -t tracefs nodev "$TRACING" 2>/dev/null
    if [ ! -f "$TRACING/set_ftrace_filter" ]; then
        fail "coverage=FAILED (no function tracer in this kernel)"; return 1
    fi
    echo 0 > "$TRACING/tracing_on"
    echo nop > "$TRACING/current_tracer"
    if ! grep -qx "$COVERAGE_SENTINEL" "$TRACING/available_filter_functions"; then
        fail "coverage=FAILED ($COVERAGE_SENTINEL is not traceable here)"; return 1
    fi
    echo "$COVERAGE_SENTINEL" > "$TRACING/set_ftrace_filter"
    # Not loaded yet: ftrace keeps the command and applies it when the module loads,
    # before its init function runs.
    echo ':mod:vmpl_sgx' >> "$TRACING/set_ftrace_filter"
    if [ "$(grep -cv '^#' "$TRACING/set_ftrace_filter")" -lt 1 ]; then
        echo > "$TRACING/set_ftrace_filter"
        fail "coverage=FAILED (the filter did not take the sentinel)"; return 1
    fi
    echo 16384 > "$TRACING/buffer_size_kb"
    echo > "$TRACING/trace"
    : > "$RESULTS/coverage-reached.txt"
    echo function > "$TRACING/current_tracer"
    echo 1 > "$TRACING/tracing_on"
    # "task-pid [cpu] flags time: function <-caller": keep each function's first sighting.
    # cat feeds awk through a fifo so that stopping cat ends awk's input (awk reads in
    # blocks and would lose a partly filled one if it were killed).
    rm -f "$WORK/coverage.fifo"
    mkfifo "$WORK/coverage.fifo" || { fail "coverage=FAILED (mkfifo)"; return 1; }
    # A function seen once leaves the filter ("!name"; ftrace applies it when the file is
    # closed): hot paths stop costing an event and a reader wakeup per call, and the
    # sentinel keeps the filter from ever becoming empty. Through a shell, because a name
    # the filter no longer has (the freed init function) fails the close, which mawk
    # treats as fatal.
    awk -v filter="$TRACING/set_ftrace_filter" '
        /LOST [0-9]+ EVENTS/ { print "LOST " $0; fflush(); next }
        {
            for (i = 2; i <= NF; i++) {
                if (substr($i, 1, 2) == "<-") {
                    f = $(i - 1)
                    if (!(f in seen)) {
                        seen[f] = 1; print f; fflush()
                        if (f ~ /^[A-Za-z_][A-Za-z0-9_.]*$/)
                            system("echo \"!" f "\" >> " filter " 2>/dev/null")
                    }
                    break
                }
            }
        }' < "$WORK/coverage.fifo" >> "$RESULTS/coverage-reached.txt" &
    coverage_awk=$!
    cat "$TRACING/trace_pipe" > "$WORK/coverage.fifo" &
    coverage_reader=$!
}

# After insmod: the module's traceable functions and its symbols' addresses.
coverage_snapshot() {
    sed -n 's/^\([^ ]*\) \[vmpl_sgx\]$/\1/p' "$TRACING/available_filter_functions" \
        > "$RESULTS/coverage-functions.txt"
    grep '\[vmpl_sgx\]' /proc/kallsyms > "$RESULTS/coverage-kallsyms.txt"
}

# After rmmod (or when giving up): stop tracing, let the reader drain, stop it.
coverage_stop() {
    [ -n "$coverage_reader" ] || return 0
    echo 0 > "$TRACING/tracing_on"
    sleep 2   # cat passes on what is left in the buffer
    kill "$coverage_reader" 2>/dev/null
    wait "$coverage_reader" 2>/dev/null
    wait "$coverage_awk" 2>/dev/null   # awk reads to the end of the fifo
    coverage_reader=""
    echo nop > "$TRACING/current_tracer"
    echo > "$TRACING/set_ftrace_filter"
}

# The verdict: the VMTIER coverage line, and a failed part unless only the hardware gate's
# functions stayed unreached.
coverage_verdict() {
    out=$("$PYTHON" -m tests.vm.coverage "$RESULTS" 2> "$RESULTS/coverage-verdict.log")
    status=$?
    echo "$out"
    cat "$RESULTS/coverage-verdict.log"
    line=${out#VMTIER }
    if [ $status -eq 0 ]; then note "$line"; else fail "$line (FAILED)"; fi
}
