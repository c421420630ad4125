# Sourced by guest scripts. wait_for_seh PID: wait until the SEH process PID holds the
# loopback device (until then calls fail with EIO and GET_INFO answers un-negotiated
# defaults). Fails if the SEH exits or two minutes pass.
wait_for_seh() {
    _waited=0
    until ls -l "/proc/$1/fd" 2>/dev/null | grep -q '/dev/vmpl_sgx_seh$'; do
        kill -0 "$1" 2>/dev/null || return 1
        _waited=$((_waited + 1))
        [ "$_waited" -le 1200 ] || return 1
        sleep 0.1
    done
}
