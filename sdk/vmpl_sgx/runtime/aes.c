/* SPDX-License-Identifier: MIT */
/*
 * AES-128, CMAC and GCM on AES-NI and PCLMULQDQ (aes.h). The cipher itself
 * is the CPU's AESENC/AESENCLAST/AESKEYGENASSIST; this file only strings the
 * instructions together as FIPS-197, SP 800-38B and SP 800-38D describe.
 */
#include <cpuid.h>
#include <string.h>
#include <wmmintrin.h>

#include "aes.h"

#define AESNI __attribute__((target("aes,pclmul,sse2")))
#define ROUNDS 10

typedef unsigned __int128 u128;

struct aes128 {
	__m128i round_key[ROUNDS + 1];
};

int vmpl_sgx_aesni_present(void)
{
	unsigned int eax, ebx, ecx, edx;

	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
		return 0;
	return (ecx & bit_AES) && (ecx & bit_PCLMUL);
}

void vmpl_sgx_wipe(void *buf, size_t len)
{
	memset(buf, 0, len);
	/* The compiler must assume the cleared bytes are read. */
	__asm__ volatile("" : : "r"(buf) : "memory");
}

int vmpl_sgx_equal_secret(const void *a, const void *b, size_t len)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t diff = 0;
	size_t i;

	for (i = 0; i < len; i++)
		diff |= x[i] ^ y[i];
	return diff != 0;
}

/* One step of the key schedule: the next round key from the last and AESKEYGENASSIST's word. */
static AESNI __m128i next_round_key(__m128i key, __m128i assist)
{
	assist = _mm_shuffle_epi32(assist, 0xff);
	key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
	key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
	key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
	return _mm_xor_si128(key, assist);
}

/* The round constant is an immediate operand, hence a macro. */
#define EXPAND(rk, i, rcon) \
	((rk)[i] = next_round_key((rk)[(i) - 1], _mm_aeskeygenassist_si128((rk)[(i) - 1], rcon)))

static AESNI void aes128_init(struct aes128 *aes, const uint8_t key[VMPL_SGX_AES_KEY_SIZE])
{
	__m128i *rk = aes->round_key;

	rk[0] = _mm_loadu_si128((const __m128i *)key);
	EXPAND(rk, 1, 0x01);
	EXPAND(rk, 2, 0x02);
	EXPAND(rk, 3, 0x04);
	EXPAND(rk, 4, 0x08);
	EXPAND(rk, 5, 0x10);
	EXPAND(rk, 6, 0x20);
	EXPAND(rk, 7, 0x40);
	EXPAND(rk, 8, 0x80);
	EXPAND(rk, 9, 0x1b);
	EXPAND(rk, 10, 0x36);
}

static AESNI __m128i aes128_encrypt(const struct aes128 *aes, __m128i block)
{
	int round;

	block = _mm_xor_si128(block, aes->round_key[0]);
	for (round = 1; round < ROUNDS; round++)
		block = _mm_aesenc_si128(block, aes->round_key[round]);
	return _mm_aesenclast_si128(block, aes->round_key[ROUNDS]);
}

static AESNI void encrypt_bytes(const struct aes128 *aes, const uint8_t in[16], uint8_t out[16])
{
	_mm_storeu_si128((__m128i *)out, aes128_encrypt(aes, _mm_loadu_si128((const __m128i *)in)));
}

/* ---------------------------------------------------------------- CMAC */

/* Doubling in GF(2^128) as SP 800-38B defines it (big-endian, R = 0x87). */
static void cmac_double(uint8_t block[16])
{
	uint8_t carry = block[0] >> 7;
	int i;

	for (i = 0; i < 15; i++)
		block[i] = (uint8_t)(block[i] << 1 | block[i + 1] >> 7);
	block[15] = (uint8_t)(block[15] << 1) ^ (uint8_t)(0x87 & -carry);
}

AESNI void vmpl_sgx_aes_cmac(const uint8_t key[VMPL_SGX_AES_KEY_SIZE], const void *data,
			     size_t len, uint8_t mac[VMPL_SGX_GCM_TAG_SIZE])
{
	const uint8_t *in = data;
	struct aes128 aes;
	uint8_t subkey[16] = { 0 }, state[16] = { 0 }, last[16] = { 0 };
	size_t i, full = len ? (len - 1) / 16 : 0, rest = len - full * 16;

	aes128_init(&aes, key);
	encrypt_bytes(&aes, subkey, subkey);
	cmac_double(subkey);			/* K1 */
	if (rest < 16) {
		cmac_double(subkey);		/* K2: the last block is padded */
		last[rest] = 0x80;
	}
	for (i = 0; i < full; i++) {
		int j;

		for (j = 0; j < 16; j++)
			state[j] ^= in[i * 16 + j];
		encrypt_bytes(&aes, state, state);
	}
	memcpy(last, in + full * 16, rest);
	for (i = 0; i < 16; i++)
		state[i] ^= last[i] ^ subkey[i];
	encrypt_bytes(&aes, state, mac);
	vmpl_sgx_wipe(&aes, sizeof(aes));
	vmpl_sgx_wipe(subkey, sizeof(subkey));
	vmpl_sgx_wipe(state, sizeof(state));
}

/* ---------------------------------------------------------------- GHASH */

/*
 * A GHASH block read as a big-endian 128-bit number has the coefficient of
 * x^i at bit 127 - i: the bit-reflection of the polynomial. The carry-less
 * product of two reflected numbers is the reflected 255-bit product shifted
 * right by one, so shifting it left by one gives the reflected 256-bit
 * product; its high half is the reflected low 128 coefficients and its low
 * half, D, the reflected high ones. Those reduce with x^128 = x^7 + x^2 + x
 * + 1: in the reflected view multiplying by x^k is a right shift by k, and
 * the coefficients pushed past x^127 come back as D << (128 - k), reduced
 * once more the same way.
 */
static AESNI u128 clmul64(uint64_t a, uint64_t b)
{
	__m128i product = _mm_clmulepi64_si128(_mm_cvtsi64_si128((long long)a),
					       _mm_cvtsi64_si128((long long)b), 0x00);
	uint64_t low = (uint64_t)_mm_cvtsi128_si64(product);
	uint64_t high = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(product, product));

	return (u128)high << 64 | low;
}

static AESNI u128 gf128_multiply(u128 x, u128 h)
{
	uint64_t x_lo = (uint64_t)x, x_hi = (uint64_t)(x >> 64);
	uint64_t h_lo = (uint64_t)h, h_hi = (uint64_t)(h >> 64);
	u128 middle = clmul64(x_lo, h_hi) ^ clmul64(x_hi, h_lo);
	u128 low = clmul64(x_lo, h_lo) ^ middle << 64;
	u128 high = clmul64(x_hi, h_hi) ^ middle >> 64;

	high = high << 1 | low >> 127;
	low <<= 1;
	low ^= low << 127 ^ low << 126 ^ low << 121;
	return high ^ low ^ low >> 1 ^ low >> 2 ^ low >> 7;
}

static u128 load_be128(const uint8_t in[16])
{
	u128 value = 0;
	int i;

	for (i = 0; i < 16; i++)
		value = value << 8 | in[i];
	return value;
}

static void store_be128(u128 value, uint8_t out[16])
{
	int i;

	for (i = 15; i >= 0; i--) {
		out[i] = (uint8_t)value;
		value >>= 8;
	}
}

/* GHASH over a byte stream; pad() ends a part (the additional data) on a block boundary. */
struct ghash {
	u128 key;
	u128 state;
	uint8_t partial[16];
	size_t used;
};

static AESNI void ghash_block(struct ghash *g, const uint8_t block[16])
{
	g->state = gf128_multiply(g->state ^ load_be128(block), g->key);
}

static AESNI void ghash_update(struct ghash *g, const uint8_t *data, size_t len)
{
	while (len) {
		size_t n = 16 - g->used < len ? 16 - g->used : len;

		memcpy(g->partial + g->used, data, n);
		g->used += n;
		data += n;
		len -= n;
		if (g->used == 16) {
			ghash_block(g, g->partial);
			g->used = 0;
		}
	}
}

static AESNI void ghash_pad(struct ghash *g)
{
	if (g->used) {
		memset(g->partial + g->used, 0, 16 - g->used);
		ghash_block(g, g->partial);
		g->used = 0;
	}
}

/* ------------------------------------------------------------------ GCM */

struct gcm {
	struct aes128 aes;
	struct ghash ghash;
	uint8_t counter[16];	/* IV || 32-bit big-endian block counter */
	uint8_t tag_mask[16];	/* E(K, J0) */
};

static void set_counter(uint8_t counter[16], uint32_t value)
{
	counter[12] = (uint8_t)(value >> 24);
	counter[13] = (uint8_t)(value >> 16);
	counter[14] = (uint8_t)(value >> 8);
	counter[15] = (uint8_t)value;
}

static AESNI void gcm_start(struct gcm *gcm, const uint8_t *key, const uint8_t *iv,
			    const void *aad1, size_t aad1_len, const void *aad2, size_t aad2_len)
{
	uint8_t hash_key[16] = { 0 };

	memset(gcm, 0, sizeof(*gcm));
	aes128_init(&gcm->aes, key);
	encrypt_bytes(&gcm->aes, hash_key, hash_key);
	gcm->ghash.key = load_be128(hash_key);
	vmpl_sgx_wipe(hash_key, sizeof(hash_key));
	memcpy(gcm->counter, iv, VMPL_SGX_GCM_IV_SIZE);
	set_counter(gcm->counter, 1);
	encrypt_bytes(&gcm->aes, gcm->counter, gcm->tag_mask);
	ghash_update(&gcm->ghash, aad1, aad1_len);
	ghash_update(&gcm->ghash, aad2, aad2_len);
	ghash_pad(&gcm->ghash);
}

/* Encrypts or decrypts len bytes; the ciphertext side (one copy of it) feeds GHASH. */
static AESNI void gcm_crypt(struct gcm *gcm, const uint8_t *in, uint8_t *out, size_t len,
			    int decrypt)
{
	uint8_t block[16], stream[16];
	uint32_t index = 2;
	size_t done, n, i;

	for (done = 0; done < len; done += n, index++) {
		n = len - done < 16 ? len - done : 16;
		memcpy(block, in + done, n);
		if (decrypt)
			ghash_update(&gcm->ghash, block, n);
		set_counter(gcm->counter, index);
		encrypt_bytes(&gcm->aes, gcm->counter, stream);
		for (i = 0; i < n; i++)
			block[i] ^= stream[i];
		if (!decrypt)
			ghash_update(&gcm->ghash, block, n);
		memcpy(out + done, block, n);
	}
	vmpl_sgx_wipe(block, sizeof(block));
	vmpl_sgx_wipe(stream, sizeof(stream));
}

static AESNI void gcm_finish(struct gcm *gcm, size_t aad_len, size_t text_len,
			     uint8_t tag[VMPL_SGX_GCM_TAG_SIZE])
{
	uint8_t lengths[16];
	int i;

	ghash_pad(&gcm->ghash);
	store_be128((u128)aad_len * 8 << 64 | (u128)text_len * 8, lengths);
	ghash_block(&gcm->ghash, lengths);
	store_be128(gcm->ghash.state, tag);
	for (i = 0; i < VMPL_SGX_GCM_TAG_SIZE; i++)
		tag[i] ^= gcm->tag_mask[i];
	vmpl_sgx_wipe(gcm, sizeof(*gcm));
}

AESNI void vmpl_sgx_gcm_encrypt(const uint8_t key[VMPL_SGX_AES_KEY_SIZE],
				const uint8_t iv[VMPL_SGX_GCM_IV_SIZE], const void *aad1,
				size_t aad1_len, const void *aad2, size_t aad2_len, const void *in,
				void *out, size_t len, uint8_t tag[VMPL_SGX_GCM_TAG_SIZE])
{
	struct gcm gcm;

	gcm_start(&gcm, key, iv, aad1, aad1_len, aad2, aad2_len);
	gcm_crypt(&gcm, in, out, len, 0);
	gcm_finish(&gcm, aad1_len + aad2_len, len, tag);
}

AESNI int vmpl_sgx_gcm_decrypt(const uint8_t key[VMPL_SGX_AES_KEY_SIZE],
			       const uint8_t iv[VMPL_SGX_GCM_IV_SIZE], const void *aad1,
			       size_t aad1_len, const void *aad2, size_t aad2_len, const void *in,
			       void *out, size_t len, const uint8_t tag[VMPL_SGX_GCM_TAG_SIZE])
{
	struct gcm gcm;
	uint8_t expected[VMPL_SGX_GCM_TAG_SIZE], given[VMPL_SGX_GCM_TAG_SIZE];
	int mismatch;

	/* The tag may live in host memory: compare against one copy of it. */
	memcpy(given, tag, sizeof(given));
	gcm_start(&gcm, key, iv, aad1, aad1_len, aad2, aad2_len);
	gcm_crypt(&gcm, in, out, len, 1);
	gcm_finish(&gcm, aad1_len + aad2_len, len, expected);
	mismatch = vmpl_sgx_equal_secret(expected, given, sizeof(expected));
	if (mismatch)
		vmpl_sgx_wipe(out, len);
	vmpl_sgx_wipe(expected, sizeof(expected));
	return mismatch ? -1 : 0;
}
