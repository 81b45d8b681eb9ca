/*
 * Many tokens' activations side by side for prompt chunks: 16 tokens to a group, each 32-bit
 * lane one token's 4 consecutive 8-bit codes (plus 128, so unsigned), so that one VNNI dpbusd
 * multiplies 4 columns of a weight row into 16 tokens at once and no sum is ever reduced across
 * lanes. Codes and scales are those of sc_q8_quantize, block for block.
 */
#ifndef SMOLSTEP_LANES_H
#define SMOLSTEP_LANES_H

#include "q4.h"

#define SC_LANES 16

typedef struct {
  int tokens, groups, k, nb; /* groups: tokens / 16 rounded up to an even count */
  int capacity_groups, capacity_nb;
  uint8_t *q; /* [groups][nb][8][16 lanes][4] */
  float *d;   /* [groups][nb][16] scale per token and block */
  float *ds;  /* [groups][nb][16] scale times the block's code sum */
} sc_lanes;

/* Sizes `a` for `tokens` rows of `k` columns, keeping its memory when it is big enough.
 * Returns 0, or -1 when out of memory. */
int sc_lanes_reserve(sc_lanes *a, int tokens, int k);
void sc_lanes_free(sc_lanes *a);
/* Rounds row `x` into token `token`'s lanes. */
void sc_lanes_quantize(sc_lanes *a, int token, const float *x);
/* Zeroes the lanes past the last token, which the kernels run through. */
void sc_lanes_pad(sc_lanes *a);

/* out[t * ldo + r - row0] = row r of w times token t, for r in [row0, row1) and every token, on
 * the kernel sc_q4_kernel names. Returns 0, -1 for mismatched widths, -2 when out of memory. */
int sc_lanes_gemm(const sc_q4 *w, const sc_lanes *a, float *out, size_t ldo, int row0, int row1);

#endif
