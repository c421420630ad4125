// SPDX-License-Identifier: MIT
/*
 * The C side of the native null-ioctl reference (benchmarks/null_ioctl_native.py):
 * N FIONREAD calls on an open FIFO, printed as ns per call. FIONREAD on a pipe
 * takes a lock and writes one int back, about what GET_INFO does in the module.
 *
 *   null_ioctl PATH N
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec start, end;
	long calls, i;
	int fd, queued;

	if (argc != 3) {
		fprintf(stderr, "usage: %s FIFO N\n", argv[0]);
		return 2;
	}
	calls = strtol(argv[2], NULL, 0);
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0 || calls <= 0) {
		perror(argv[1]);
		return 1;
	}
	for (i = 0; i < 1000; i++)
		ioctl(fd, FIONREAD, &queued);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < calls; i++) {
		if (ioctl(fd, FIONREAD, &queued) < 0) {
			perror("FIONREAD");
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	printf("%.1f\n", ((end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec)) / calls);
	close(fd);
	return 0;
}
