/* SPDX-License-Identifier: MIT */
/*
 * malloc, calloc, realloc and free over the image's heap: one spinlock for
 * all TCSs and a first-fit walk over blocks laid end to end, merging free
 * neighbours as it passes. Small and obviously correct rather than fast.
 *
 * The heap is not measured, so nothing in it is trusted: the first call
 * writes one free block over all of it before anything reads a header.
 * A header that cannot be right (an overflow wrote over it) or a pointer
 * that free or realloc never handed out aborts the ecall, with the lock
 * released first, rather than corrupting the heap further.
 */
#include <stdlib.h>
#include <string.h>

#include "runtime_state.h"
#include "vmpl_sgx_libc.h"

#define ALIGN		16
#define HEADER		16	/* keeps payloads 16-byte aligned */
#define USED		1ull

/* Each block starts with its size (header included, a multiple of ALIGN) | USED. */
struct block {
	uint64_t size_used;
	uint64_t pad;
};

/* Plain integers, never initialized pointers: the image is not relocated. */
static uint64_t heap_start, heap_end;
static int heap_ready;
static int heap_lock;

static void lock(void)
{
	while (__atomic_exchange_n(&heap_lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static void unlock(void)
{
	__atomic_store_n(&heap_lock, 0, __ATOMIC_RELEASE);
}

static int setup(void)
{
	struct vmpl_sgx_call *call;
	struct block *first;
	uint64_t size;
	void *base;

	if (heap_ready)
		return 1;
	call = vmpl_sgx_current_call();
	if (!call)
		return 0;
	base = vmpl_sgx_heap(call, &size);
	size &= ~(uint64_t)(ALIGN - 1);
	if (!base || size < 2 * HEADER)
		return 0;
	first = base;
	first->size_used = size;
	heap_start = (uintptr_t)base;
	heap_end = heap_start + size;
	heap_ready = 1;
	return 1;
}

static struct block *at(uint64_t address)
{
	return (struct block *)(uintptr_t)address;
}

/* Whether the block at `address` has a size that fits the heap from there. */
static int sane(uint64_t address)
{
	uint64_t size = at(address)->size_used & ~USED;

	return size >= HEADER && !(size % ALIGN) && size <= heap_end - address;
}

/* The block of a pointer malloc handed out and nobody freed yet, or 0. */
static uint64_t owned_block(const void *ptr)
{
	uint64_t address = (uintptr_t)ptr - HEADER;

	if (!heap_ready || (uintptr_t)ptr % ALIGN || (uintptr_t)ptr < heap_start + HEADER ||
	    (uintptr_t)ptr >= heap_end || !(at(address)->size_used & USED) || !sane(address))
		return 0;
	return address;
}

static __attribute__((noreturn)) void corrupted(const char *message)
{
	unlock();
	vmpl_sgx_abort_message(message);
}

/* Merge the free blocks that follow the free block at `address` into it. */
static void absorb(uint64_t address)
{
	struct block *b = at(address);
	uint64_t next = address + b->size_used;

	while (next < heap_end && !(at(next)->size_used & USED) && sane(next)) {
		b->size_used += at(next)->size_used;
		next = address + b->size_used;
	}
}

/* Mark the block at `address` used with `need` bytes, splitting off the rest. */
static void take(uint64_t address, uint64_t need)
{
	struct block *b = at(address);
	uint64_t size = b->size_used & ~USED;

	if (size - need >= 2 * HEADER) {
		at(address + need)->size_used = size - need;
		size = need;
	}
	b->size_used = size | USED;
}

/* Header plus size rounded up to ALIGN; 0 if that overflows the heap's range. */
static uint64_t block_size(size_t size)
{
	if (size > (1ull << 62))
		return 0;
	return ((uint64_t)size + HEADER + ALIGN - 1) & ~(uint64_t)(ALIGN - 1);
}

void *malloc(size_t size)
{
	uint64_t need = block_size(size), address;
	void *found = NULL;

	if (!need)
		return NULL;
	lock();
	if (setup()) {
		for (address = heap_start; address < heap_end; address += at(address)->size_used & ~USED) {
			if (!sane(address))
				corrupted("malloc: heap block header overwritten");
			if (at(address)->size_used & USED)
				continue;
			absorb(address);
			if (at(address)->size_used >= need) {
				take(address, need);
				found = (void *)(uintptr_t)(address + HEADER);
				break;
			}
		}
	}
	unlock();
	return found;
}

void free(void *ptr)
{
	uint64_t address;

	if (!ptr)
		return;
	lock();
	address = owned_block(ptr);
	if (!address)
		corrupted("free: pointer not from malloc, or freed twice");
	at(address)->size_used &= ~USED;
	unlock();
}

void *calloc(size_t count, size_t size)
{
	size_t total;
	void *ptr;

	if (__builtin_mul_overflow(count, size, &total))
		return NULL;
	ptr = malloc(total);
	if (ptr)
		memset(ptr, 0, total);
	return ptr;
}

void *realloc(void *ptr, size_t size)
{
	uint64_t need = block_size(size), address, have;
	void *moved;

	if (!ptr)
		return malloc(size);
	if (!need)
		return NULL;
	lock();
	address = owned_block(ptr);
	if (!address)
		corrupted("realloc: pointer not from malloc, or freed");
	have = at(address)->size_used & ~USED;
	if (have < need) {
		/* Grow in place into free blocks that follow, if they are enough. */
		at(address)->size_used = have;
		absorb(address);
		if (at(address)->size_used < need)
			at(address)->size_used = have;
		have = at(address)->size_used;
		at(address)->size_used |= USED;
	}
	if (have >= need) {
		take(address, need);
		unlock();
		return ptr;
	}
	unlock();
	moved = malloc(size);
	if (moved) {
		memcpy(moved, ptr, have - HEADER);
		free(ptr);
	}
	return moved;
}
