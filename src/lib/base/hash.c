/*
 * hash.c - SHA-256 through libsodium, in lower-case hex (hash.h).
 */
#include "base/compat.h"
#include <sodium.h>
#include "base/hash.h"
#include "base/banned.h"

void sha256_chunk(void *ctx, const void *data, size_t len)
{
	crypto_hash_sha256_update(ctx, data, len);
}

void sha256_chunk_hex(void *ctx, char out[65])
{
	unsigned char d[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_final(ctx, d);
	sodium_bin2hex(out, 65, d, sizeof(d));
}

void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char d[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(d, data, len);
	sodium_bin2hex(out, 65, d, sizeof(d));
}
