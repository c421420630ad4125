// SPDX-License-Identifier: MIT
/*
 * A C client of /dev/vmpl_sgx, compiled against the generated uapi header, so
 * that the C side of the ABI is proven in use and not only the Python side.
 *
 *   vmpl-sgx-client info                 print GET_INFO
 *   vmpl-sgx-client info-sizes           GET_INFO with a larger and the first
 *                                        published struct size (extensible)
 *   vmpl-sgx-client bench-info N         time N GET_INFO calls, print ns per call
 *   vmpl-sgx-client load PLAN            run a load plan (see below) on one enclave
 *
 * A plan is a text file of commands, one per line, run in order on one fd:
 *   create SECS_FILE
 *   add OFFSET SECINFO_FLAGS MEASURE DATA_FILE FILE_OFFSET LENGTH
 *   init SIGSTRUCT_FILE
 *   run TCS CALL_ID INPUT_HEX OUTPUT_CAPACITY
 *   bench-run TCS CALL_ID OUTPUT_CAPACITY N   (N RUNs without input, ns per RUN)
 * Numbers accept 0x prefixes. Each command prints one result line; the first
 * failing command ends the run with exit status 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/vmpl_sgx.h>

#define DEVICE "/dev/vmpl_sgx"

static void *read_file(const char *path, size_t offset, size_t length, size_t *out_len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	size_t got;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (!length) {
		if (fseek(f, 0, SEEK_END) || ftell(f) < 0) {
			fclose(f);
			return NULL;
		}
		length = (size_t)ftell(f) - offset;
	}
	/* Page-aligned: ADD_PAGES requires a page-aligned source. */
	buf = aligned_alloc(VMPL_SGX_PAGE_SIZE,
			    (length + VMPL_SGX_PAGE_SIZE - 1) / VMPL_SGX_PAGE_SIZE * VMPL_SGX_PAGE_SIZE);
	if (!buf || fseek(f, (long)offset, SEEK_SET)) {
		free(buf);
		fclose(f);
		return NULL;
	}
	got = fread(buf, 1, length, f);
	fclose(f);
	if (got != length) {
		fprintf(stderr, "%s: short read\n", path);
		free(buf);
		return NULL;
	}
	if (out_len)
		*out_len = length;
	return buf;
}

static int cmd_info(int fd)
{
	struct vmpl_sgx_info info;

	memset(&info, 0, sizeof(info));
	if (ioctl(fd, VMPL_SGX_IOC_GET_INFO, &info)) {
		perror("GET_INFO");
		return 1;
	}
	printf("size=%u api_version=%u seh_protocol=0x%x seh_version=%u transport=%u "
	       "capabilities=0x%" PRIx64 " max_pages_per_call=%u max_run_buffer=%u "
	       "max_enclave_size=0x%" PRIx64 "\n",
	       info.size, info.api_version, info.seh_protocol, info.seh_version,
	       info.transport, (uint64_t)info.capabilities, info.max_pages_per_call,
	       info.max_run_buffer, (uint64_t)info.max_enclave_size);
	return 0;
}

/*
 * GET_INFO is extensible: a binary built against a larger struct (a newer
 * one) gets this module's fields and zeros after them; one built against the
 * first published size (an older one) gets that prefix and nothing written
 * past it; a size below that is no command at all.
 */
static int cmd_info_sizes(int fd)
{
	struct {
		struct vmpl_sgx_info info;
		uint64_t later[5];
	} newer;
	unsigned char older[sizeof(struct vmpl_sgx_info) + 16];
	struct vmpl_sgx_info want, got;
	size_t i;

	memset(&want, 0, sizeof(want));
	if (ioctl(fd, VMPL_SGX_IOC_GET_INFO, &want)) {
		perror("GET_INFO");
		return 1;
	}
	memset(&newer, 0xff, sizeof(newer));
	if (ioctl(fd, VMPL_SGX_IOC_GET_INFO_SIZED(sizeof(newer)), &newer)) {
		perror("GET_INFO with a larger struct");
		return 1;
	}
	for (i = 0; i < sizeof(newer.later) / sizeof(newer.later[0]); i++) {
		if (newer.later[i]) {
			fprintf(stderr, "GET_INFO left later[%zu] of a larger struct non-zero\n", i);
			return 1;
		}
	}
	if (memcmp(&newer.info, &want, sizeof(want))) {
		fprintf(stderr, "GET_INFO with a larger struct: different fields\n");
		return 1;
	}
	memset(older, 0xff, sizeof(older));
	if (ioctl(fd, VMPL_SGX_IOC_GET_INFO_SIZED(VMPL_SGX_INFO_SIZE_VER0), older)) {
		perror("GET_INFO with the first published size");
		return 1;
	}
	memcpy(&got, older, sizeof(got));
	if (got.size != VMPL_SGX_INFO_SIZE_VER0 ||
	    memcmp(older + sizeof(got.size), (unsigned char *)&want + sizeof(want.size),
		   VMPL_SGX_INFO_SIZE_VER0 - sizeof(want.size))) {
		fprintf(stderr, "GET_INFO with the first published size: size %u or fields differ\n",
			got.size);
		return 1;
	}
	for (i = VMPL_SGX_INFO_SIZE_VER0; i < sizeof(older); i++) {
		if (older[i] != 0xff) {
			fprintf(stderr, "GET_INFO wrote byte %zu past the caller's struct\n", i);
			return 1;
		}
	}
	if (ioctl(fd, VMPL_SGX_IOC_GET_INFO_SIZED(VMPL_SGX_INFO_SIZE_VER0 - 8), older) != -1 ||
	    errno != ENOTTY) {
		fprintf(stderr, "GET_INFO below the first published size is not ENOTTY\n");
		return 1;
	}
	printf("info-sizes ok: larger %zu, first published %u, smaller ENOTTY\n", sizeof(newer),
	       VMPL_SGX_INFO_SIZE_VER0);
	return 0;
}

static int cmd_bench_info(int fd, long n)
{
	struct vmpl_sgx_info info;
	struct timespec a, b;
	long i;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		if (ioctl(fd, VMPL_SGX_IOC_GET_INFO, &info)) {
			perror("GET_INFO");
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("get_info_ns=%.1f calls=%ld\n",
	       ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / (double)n, n);
	return 0;
}

static int hex_decode(const char *hex, unsigned char *out, size_t cap, size_t *len)
{
	size_t n = strlen(hex), i;

	if (!strcmp(hex, "-")) {
		*len = 0;
		return 0;
	}
	if (n % 2 || n / 2 > cap)
		return -1;
	for (i = 0; i < n / 2; i++) {
		unsigned int byte;

		if (sscanf(hex + 2 * i, "%2x", &byte) != 1)
			return -1;
		out[i] = (unsigned char)byte;
	}
	*len = n / 2;
	return 0;
}

static int plan_create(int fd, const char *secs_file)
{
	struct vmpl_sgx_enclave_create arg;
	void *secs = read_file(secs_file, 0, VMPL_SGX_SECS_SIZE, NULL);
	int ret;

	if (!secs)
		return 1;
	arg.src = (uintptr_t)secs;
	ret = ioctl(fd, VMPL_SGX_IOC_ENCLAVE_CREATE, &arg);
	printf("create %s\n", ret ? strerror(errno) : "ok");
	free(secs);
	return ret ? 1 : 0;
}

static int plan_add(int fd, uint64_t offset, uint64_t flags, int measure, const char *file,
		    size_t file_offset, size_t length)
{
	struct vmpl_sgx_enclave_add_pages arg;
	struct vmpl_sgx_secinfo secinfo __attribute__((aligned(64)));
	void *data = read_file(file, file_offset, length, NULL);
	uint64_t done = 0;
	int ret = 0;

	if (!data)
		return 1;
	memset(&secinfo, 0, sizeof(secinfo));
	secinfo.flags = flags;
	/* Loop on partial counts, as SGX loaders do with Linux's driver. */
	while (done < length) {
		memset(&arg, 0, sizeof(arg));
		arg.src = (uintptr_t)data + done;
		arg.offset = offset + done;
		arg.length = length - done;
		arg.secinfo = (uintptr_t)&secinfo;
		arg.flags = measure ? VMPL_SGX_PAGE_MEASURE : 0;
		ret = ioctl(fd, VMPL_SGX_IOC_ENCLAVE_ADD_PAGES, &arg);
		done += arg.count;
		if (ret && errno != EINTR)
			break;
		if (!ret && !arg.count)
			break;
		ret = 0;
	}
	printf("add offset=0x%" PRIx64 " bytes=%" PRIu64 " %s\n", offset, done,
	       ret ? strerror(errno) : "ok");
	free(data);
	return ret || done != length ? 1 : 0;
}

static int plan_init(int fd, const char *sigstruct_file)
{
	struct vmpl_sgx_enclave_init arg;
	void *sig = read_file(sigstruct_file, 0, VMPL_SGX_SIGSTRUCT_SIZE, NULL);
	int ret;

	if (!sig)
		return 1;
	arg.sigstruct = (uintptr_t)sig;
	ret = ioctl(fd, VMPL_SGX_IOC_ENCLAVE_INIT, &arg);
	printf("init %s\n", ret ? strerror(errno) : "ok");
	free(sig);
	return ret ? 1 : 0;
}

static int plan_run(int fd, uint64_t tcs, uint32_t call_id, const char *input_hex,
		    uint32_t capacity)
{
	static unsigned char input[VMPL_SGX_RUN_BUFFER_MAX], output[VMPL_SGX_RUN_BUFFER_MAX];
	struct vmpl_sgx_enclave_run run;
	size_t input_len, i;

	if (capacity > sizeof(output) ||
	    hex_decode(input_hex, input, sizeof(input), &input_len)) {
		fprintf(stderr, "run: bad input or capacity\n");
		return 1;
	}
	memset(&run, 0, sizeof(run));
	run.tcs = tcs;
	run.function = VMPL_SGX_ENCLU_EENTER;
	run.call_id = call_id;
	run.input = (uintptr_t)input;
	run.input_len = (__u32)input_len;
	run.output = (uintptr_t)output;
	run.output_capacity = capacity;
	if (ioctl(fd, VMPL_SGX_IOC_ENCLAVE_RUN, &run)) {
		printf("run %s\n", strerror(errno));
		return 1;
	}
	printf("run exit_kind=%u retval=%" PRIu64 " call_id=%u vector=%u output=", run.exit_kind,
	       (uint64_t)run.retval, run.call_id, run.exception_vector);
	for (i = 0; i < run.output_len; i++)
		printf("%02x", output[i]);
	printf("\n");
	return 0;
}

static int plan_bench_run(int fd, uint64_t tcs, uint32_t call_id, uint32_t capacity, long n)
{
	static unsigned char output[VMPL_SGX_RUN_BUFFER_MAX];
	struct vmpl_sgx_enclave_run run;
	struct timespec a, b;
	long i;

	if (capacity > sizeof(output) || n <= 0) {
		fprintf(stderr, "bench-run: bad capacity or count\n");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		/* The module writes back into the struct: set it up afresh, as a caller must. */
		memset(&run, 0, sizeof(run));
		run.tcs = tcs;
		run.function = VMPL_SGX_ENCLU_EENTER;
		run.call_id = call_id;
		run.output = (uintptr_t)output;
		run.output_capacity = capacity;
		if (ioctl(fd, VMPL_SGX_IOC_ENCLAVE_RUN, &run) ||
		    run.exit_kind != VMPL_SGX_EXIT_NORMAL) {
			printf("bench-run failed: %s exit_kind=%u\n", strerror(errno), run.exit_kind);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("bench_run_ns=%.1f calls=%ld\n",
	       ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / (double)n, n);
	return 0;
}

static int cmd_load(int fd, const char *plan_path)
{
	char line[4096], a[1024], b[1024];
	unsigned long long x, y, z, w;
	FILE *plan = fopen(plan_path, "r");
	int ret = 0, m;

	if (!plan) {
		perror(plan_path);
		return 1;
	}
	while (!ret && fgets(line, sizeof(line), plan)) {
		if (sscanf(line, "create %1023s", a) == 1)
			ret = plan_create(fd, a);
		else if (sscanf(line, "add %lli %lli %d %1023s %lli %lli", &x, &y, &m, a, &z, &w) == 6)
			ret = plan_add(fd, x, y, m, a, z, w);
		else if (sscanf(line, "init %1023s", a) == 1)
			ret = plan_init(fd, a);
		else if (sscanf(line, "run %lli %lli %1023s %lli", &x, &y, b, &z) == 4)
			ret = plan_run(fd, x, (uint32_t)y, b, (uint32_t)z);
		else if (sscanf(line, "bench-run %lli %lli %lli %lli", &x, &y, &z, &w) == 4)
			ret = plan_bench_run(fd, x, (uint32_t)y, (uint32_t)z, (long)w);
		else if (line[0] != '#' && line[0] != '\n') {
			fprintf(stderr, "bad plan line: %s", line);
			ret = 1;
		}
	}
	fclose(plan);
	return ret;
}

int main(int argc, char **argv)
{
	int fd, ret;

	if (argc < 2) {
		fprintf(stderr, "usage: %s info | info-sizes | bench-info N | load PLAN\n", argv[0]);
		return 2;
	}
	fd = open(getenv("VMPL_SGX_DEVICE") ? getenv("VMPL_SGX_DEVICE") : DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror(DEVICE);
		return 3;
	}
	if (!strcmp(argv[1], "info"))
		ret = cmd_info(fd);
	else if (!strcmp(argv[1], "info-sizes"))
		ret = cmd_info_sizes(fd);
	else if (!strcmp(argv[1], "bench-info") && argc == 3)
		ret = cmd_bench_info(fd, strtol(argv[2], NULL, 0));
	else if (!strcmp(argv[1], "load") && argc == 3)
		ret = cmd_load(fd, argv[2]);
	else
		ret = 2;
	close(fd);
	return ret;
}
