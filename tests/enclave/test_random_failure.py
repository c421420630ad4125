"""vmpl_sgx_random when RDRAND and RDSEED fail: the runtime's retry logic (runtime/random.c)
built on the host against scripted instructions, since real ones cannot be made to fail."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Dict

import pytest

from vmpl_sgx.build import INCLUDE_DIR, RUNTIME_DIR

FAKE_CPU = r"""
#include <stdint.h>
long rdrand_calls, rdseed_calls, rdrand_fail, rdseed_fail;
static uint64_t next_rdrand = 0x1111111111111111ull, next_rdseed = 0x2222222222222222ull;

/* Fail the first *fail calls (all of them if *fail < 0), then hand out words. */
static int scripted(long *calls, long fail, uint64_t *next, uint64_t *word)
{
    ++*calls;
    if (fail < 0 || *calls <= fail) {
        *word = 0xdeadull;  /* what a failing RDRAND may leave: CF=0 says to ignore it */
        return 0;
    }
    *word = (*next)++;
    return 1;
}

int vmpl_sgx_rdrand64(uint64_t *word)
{
    return scripted(&rdrand_calls, rdrand_fail, &next_rdrand, word);
}

int vmpl_sgx_rdseed64(uint64_t *word)
{
    return scripted(&rdseed_calls, rdseed_fail, &next_rdseed, word);
}
"""

DRIVER = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int vmpl_sgx_random(void *buf, size_t len);
extern long rdrand_calls, rdseed_calls, rdrand_fail, rdseed_fail;

int main(int argc, char **argv)
{
    unsigned char buf[64];
    size_t len = (size_t)atoi(argv[3]);
    int rc;

    (void)argc;
    memset(buf, 0xaa, sizeof(buf));
    rdrand_fail = atol(argv[1]);
    rdseed_fail = atol(argv[2]);
    rc = vmpl_sgx_random(buf, len);
    printf("%d %ld %ld %02x %02x\n", rc, rdrand_calls, rdseed_calls, buf[0], buf[len]);
    return 0;
}
"""


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("cc") is None:
        pytest.skip("no C compiler (cc) to build the runtime's random.c for the host")
    out = tmp_path_factory.mktemp("random")
    (out / "fake_cpu.c").write_text(FAKE_CPU)
    (out / "driver.c").write_text(DRIVER)
    # random.c as the enclave sees it (its headers), the rest against the host's libc.
    subprocess.run(
        ["cc", "-O2", "-Wall", "-Wextra", "-Werror", f"-I{INCLUDE_DIR}", f"-I{RUNTIME_DIR}",
         "-c", str(RUNTIME_DIR / "random.c"), "-o", str(out / "random.o")],
        check=True,
    )
    program = out / "driver"
    subprocess.run(
        ["cc", "-O2", str(out / "driver.c"), str(out / "fake_cpu.c"), str(out / "random.o"),
         "-o", str(program)],
        check=True,
    )
    return program


def draw(driver: Path, rdrand_fail: int, rdseed_fail: int, length: int) -> Dict[str, int]:
    out = subprocess.run(
        [str(driver), str(rdrand_fail), str(rdseed_fail), str(length)],
        check=True, capture_output=True, text=True,
    ).stdout.split()
    rc, rdrand, rdseed, first, after = out
    return {"rc": int(rc), "rdrand": int(rdrand), "rdseed": int(rdseed),
            "first": int(first, 16), "after": int(after, 16)}


def test_rdrand_words_fill_the_buffer_and_nothing_past_it(driver: Path) -> None:
    assert draw(driver, 0, 0, 20) == {"rc": 0, "rdrand": 3, "rdseed": 0, "first": 0x11,
                                      "after": 0xAA}


def test_nine_rdrand_failures_are_retried(driver: Path) -> None:
    assert draw(driver, 9, 0, 8) == {"rc": 0, "rdrand": 10, "rdseed": 0, "first": 0x11,
                                     "after": 0xAA}


def test_rdseed_takes_over_after_ten_rdrand_failures(driver: Path) -> None:
    # RDRAND never delivers: ten tries per word, then RDSEED, which delivers on its 50th.
    assert draw(driver, -1, 49, 8) == {"rc": 0, "rdrand": 10, "rdseed": 50, "first": 0x22,
                                       "after": 0xAA}


def test_both_failing_is_an_error_after_bounded_tries(driver: Path) -> None:
    # No word at all: -1 after exactly 10 RDRAND and 100 RDSEED tries, not a spin forever,
    # and the failed instructions' leftovers (0xdead) never reach the buffer.
    assert draw(driver, -1, -1, 8) == {"rc": -1, "rdrand": 10, "rdseed": 100, "first": 0xAA,
                                       "after": 0xAA}
