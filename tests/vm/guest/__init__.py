"""Device-only tests run inside the test guest (see tests/vm/guest_tests.sh)."""
