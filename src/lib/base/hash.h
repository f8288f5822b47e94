/*
 * hash.h - SHA-256 (libsodium) as the protocol spells it: lower-case hex.
 *
 * Exports (hash.c): sha256_hex of a buffer; sha256_chunk, an fs_chunk_fn
 * (fs.h) that feeds a crypto_hash_sha256_state while a file is copied, so
 * the bytes hashed are the bytes written (one read); sha256_chunk_hex to
 * finish it.
 */
#ifndef SCQ_HASH_H
#define SCQ_HASH_H

#include "base/compat.h"

void sha256_hex(const void *data, size_t len, char out[65]);
void sha256_chunk(void *ctx, const void *data, size_t len);
void sha256_chunk_hex(void *ctx, char out[65]);

#endif
