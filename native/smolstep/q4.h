/*
 * 4-bit weights in blocks of 32 with a float16 scale (and, for llama.cpp's Q4_1, a float16
 * minimum), multiplied by activations rounded to 8 bits per block of 32: the arithmetic of
 * ggml's Q4_0 x Q8_0 dot product, in our own layout.
 */
#ifndef SMOLSTEP_Q4_H
#define SMOLSTEP_Q4_H

#include <stddef.h>
#include <stdint.h>

#define SC_BLOCK 32

typedef struct {
  int n, k, nb; /* rows, columns (a multiple of 32), blocks per row */
  uint8_t *q;   /* [n][nb][16]: byte i holds element i (low nibble) and element i + 16 (high) */
  uint16_t *d;  /* [n][nb] float16 scales */
  uint16_t *m;  /* [n][nb] float16 minimums (value = d * code + m), or NULL for m = -8 d */
} sc_q4;

typedef struct {
  int k, nb;
  int8_t *q; /* [k] */
  float *d;  /* [nb] scale per block */
  float *ds; /* [nb] scale times the block's code sum */
} sc_q8;

/* From ONNX Runtime MatMulNBits blocks (two codes per byte, low nibble first; value = (code - 8)
 * scale + offset). Returns 0, or -1 when out of memory. */
int sc_q4_init(sc_q4 *w, int n, int k, const uint8_t *packed, const float *scales, const float *offsets);
void sc_q4_free(sc_q4 *w);
uint64_t sc_q4_bytes(const sc_q4 *w);

int sc_q8_init(sc_q8 *a, int k);
void sc_q8_free(sc_q8 *a);
void sc_q8_quantize(sc_q8 *a, const float *x);

/* out[r - row0] = row r of w times a, for r in [row0, row1). */
void sc_q4_gemv(const sc_q4 *w, const sc_q8 *a, float *out, int row0, int row1);
void sc_q4_row(const sc_q4 *w, int row, float *out);
/* The same for `n` activation rows (tokens) at once, each weight block unpacked once per four of
 * them: out[s * ldo + r - row0] for s in [0, n), r in [row0, row1). */
void sc_q4_gemm(const sc_q4 *w, const sc_q8 *a, int n, float *out, size_t ldo, int row0, int row1);

/* Names the kernel sc_q4_gemv runs on this processor. */
const char *sc_q4_kernel(void);
/* Runs `name` (avx512-vnni, avx2, scalar) from now on, for tests that compare the kernels;
 * returns 0, or -1 when this processor cannot run it. */
int sc_q4_use(const char *name);

float sc_half_to_float(uint16_t h);
uint16_t sc_float_to_half(float f);

#endif
