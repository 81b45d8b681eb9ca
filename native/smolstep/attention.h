/*
 * One new token's attention over an 8-bit KV cache, in the layout the fused ONNX graphs read
 * (src/runtime/kvRows.ts): keys transposed [kv_heads][head_dim][capacity], values
 * [kv_heads][capacity][head_dim], one float scale per head and position (max |x| / 127).
 */
#ifndef SMOLSTEP_ATTENTION_H
#define SMOLSTEP_ATTENTION_H

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
/* 0: plain C from now on (tests comparing kernels); 1: AVX2 where the processor has it. */
void sc_attention_vectors(int on);

#endif
