/*
 * Attention over an 8-bit KV cache, for one new token or a prompt chunk's tokens at once, in the layout the fused ONNX graphs read
 * (src/runtime/kvRows.ts): keys transposed [kv_heads][head_dim][capacity], values
 * [kv_heads][capacity][head_dim], one float scale per head and position (max |x| / 127).
 */
#ifndef SMOLSTEP_ATTENTION_H
#define SMOLSTEP_ATTENTION_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  int kv_heads, head_dim, capacity;
  int8_t *key;
  float *key_scale;
  int8_t *value;
  float *value_scale;
} sc_kv;

/* Rounds one position's keys and values ([kv_heads][head_dim] each) into the cache. */
void sc_kv_append(const sc_kv *kv, int position, const float *key, const float *value);

typedef struct {
  const sc_kv *kv;
  int heads, length; /* query heads; cached positions to attend to, the new one included */
  const float *query; /* [heads][head_dim], already rotated */
  float *scores;      /* scratch [heads][capacity] */
  float *out;         /* [heads][head_dim] */
} sc_attention;

/* The three parts, each split across threads (pool tasks): scores by position, softmax by
 * head, the weighted values by head dimension. */
void sc_attention_scores(void *ctx, int ith, int nth);
void sc_attention_softmax(void *ctx, int ith, int nth);
void sc_attention_values(void *ctx, int ith, int nth);
typedef struct {
  const sc_kv *kv;
  int heads, position, count; /* the chunk's tokens sit at [position, position + count), already cached */
  const float *query;         /* token t's rotated [heads][head_dim] at query + t * query_stride */
  size_t query_stride;
  float *scores;              /* scratch: sc_attention_chunk_scratch floats per thread */
  float *out;                 /* token t's [heads][head_dim] at out + t * out_stride */
  size_t out_stride;
} sc_chunk_attention;

/* Every token of a prompt chunk attends causally (token t to positions up to position + t), in
 * one pool task: items of one token and KV head, dealt across threads. */
void sc_attention_chunk(void *ctx, int ith, int nth);
size_t sc_attention_chunk_scratch(const sc_kv *kv, int heads);
/* The widest vectors the attention kernels use from now on (tests comparing kernels): 0 plain
 * C, 1 AVX2, 2 AVX-512 (the default), each where the processor has it. */
void sc_attention_vectors(int level);

#endif
