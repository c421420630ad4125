// SPDX-License-Identifier: MIT
/*
 * The floor B6 sets the native executor's round trip against: two processes
 * passing the turn back and forth through a futex word in shared memory, the
 * mechanism the executor's channel uses, with nothing else to do. Prints the
 * median round trip in ns over N round trips, each timed on its own.
 *
 *   futex_pingpong N
 */
#include <linux/futex.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TO_CHILD 1
#define TO_PARENT 2

static void wait_for(volatile uint32_t *word, uint32_t want)
{
	uint32_t now;

	while ((now = __atomic_load_n(word, __ATOMIC_ACQUIRE)) != want)
		syscall(SYS_futex, word, FUTEX_WAIT, now, NULL, NULL, 0);
}

static void hand_over(volatile uint32_t *word, uint32_t to)
{
	__atomic_store_n(word, to, __ATOMIC_RELEASE);
	syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	volatile uint32_t *word;
	struct timespec start, end;
	double *times;
	long n, i;
	pid_t child;

	if (argc != 2 || (n = strtol(argv[1], NULL, 0)) <= 0) {
		fprintf(stderr, "usage: %s N\n", argv[0]);
		return 2;
	}
	times = calloc((size_t)n, sizeof(*times));
	word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!times || word == MAP_FAILED) {
		perror("memory");
		return 1;
	}
	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		for (i = 0; i < n; i++) {
			wait_for(word, TO_CHILD);
			hand_over(word, TO_PARENT);
		}
		_exit(0);
	}
	for (i = 0; i < n; i++) {
		clock_gettime(CLOCK_MONOTONIC, &start);
		hand_over(word, TO_CHILD);
		wait_for(word, TO_PARENT);
		clock_gettime(CLOCK_MONOTONIC, &end);
		times[i] = (double)(end.tv_sec - start.tv_sec) * 1e9 +
			   (double)(end.tv_nsec - start.tv_nsec);
	}
	waitpid(child, NULL, 0);
	qsort(times, (size_t)n, sizeof(*times), by_value);
	printf("%.1f\n", times[n / 2]);
	return 0;
}
