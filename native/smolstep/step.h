/*
 * One step of a Llama-family model (SmolLM2) on 4-bit weights and an 8-bit KV cache, for one
 * new token or a prompt chunk's many: embedding rows, per layer RMSNorm, fused q/k/v, rotary
 * positions, attention, output projection, RMSNorm, fused gate/up with SiLU, down projection;
 * final norm and LM head for the last token.
 */
#ifndef SMOLSTEP_STEP_H
#define SMOLSTEP_STEP_H

#include "attention.h"
#include "pool.h"
#include "q4.h"

typedef struct {
  int hidden, intermediate, layers, heads, kv_heads, head_dim, vocab;
  float eps, rope_theta;
} sc_config;

typedef struct {
  float *input_norm, *post_norm; /* [hidden] */
  sc_q4 qkv;                     /* [(heads + 2 kv_heads) head_dim, hidden]: q rows, k rows, v rows */
  sc_q4 o;                       /* [hidden, heads head_dim] */
  sc_q4 gate_up;                 /* [2 intermediate, hidden]: gate rows, then up rows */
  sc_q4 down;                    /* [hidden, intermediate] */
} sc_layer;

/* An embedding table in 8-bit blocks of 32 (a GGUF's Q8_0 token_embd): value = code d + m. */
typedef struct {
  int n, k, nb;
  int8_t *q; /* [n][k] */
  float *d;  /* [n][nb] */
  float *m;  /* [n][nb] or NULL */
} sc_table8;

typedef struct sc_model sc_model;

sc_model *sc_model_create(const sc_config *config, int threads);
void sc_model_destroy(sc_model *model);
/* Layer i's weights; the model frees them with itself. */
sc_layer *sc_model_layer(sc_model *model, int i);
float *sc_model_final_norm(sc_model *model);
/* The LM head; with tied embeddings also the embedding table. */
sc_q4 *sc_model_head(sc_model *model);
/* The 8-bit embedding table, when the table is not the 4-bit LM head. */
sc_table8 *sc_model_table8(sc_model *model);
const sc_config *sc_model_config(const sc_model *model);
uint64_t sc_model_weight_bytes(const sc_model *model);
int sc_model_threads(const sc_model *model);

/* Most tokens one step runs. Steps of more than SC_SMALL_STEP tokens (prompt chunks) read each
 * matrix once for all of them (lanes.h); shorter ones take the per-token kernels. */
#define SC_MAX_TOKENS 1024
#define SC_SMALL_STEP 4

/* Runs `count` tokens at positions [position, position + count), appending their keys and
 * values to kv[layer] (whose capacity must hold them) and writing the last token's vocab logits.
 * Returns 0, or -1 for positions past a cache's capacity, a bad count or a token out of range,
 * -2 when out of memory. */
int sc_model_step(sc_model *model, const sc_kv *kv, const int *tokens, int count, int position, float *logits);

/* Writes the model's weights to `path` in this build's own format (a cache the next load reads
 * back instead of quantizing again), or reads them into a new model. Return 0 / NULL on failure
 * (an unwritable path, a short or foreign file). */
int sc_model_save(const sc_model *model, const char *path);
sc_model *sc_model_load(const char *path, int threads);

#endif
