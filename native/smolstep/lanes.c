#include "lanes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vmath.h"

#ifdef SC_X86
#define X86_VNNI __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))
#endif

#define GROUP_BYTES (SC_LANES * SC_BLOCK) /* one block of one group: 8 steps of 16 lanes x 4 codes */

int sc_lanes_reserve(sc_lanes *a, int tokens, int k) {
  int groups = (tokens + 2 * SC_LANES - 1) / (2 * SC_LANES) * 2;
  int nb = k / SC_BLOCK;
  size_t blocks = (size_t)groups * nb;
  if (groups > a->capacity_groups || nb > a->capacity_nb || blocks > (size_t)a->capacity_groups * a->capacity_nb) {
    free(a->q);
    free(a->d);
    free(a->ds);
    a->q = aligned_alloc(64, blocks * GROUP_BYTES);
    a->d = aligned_alloc(64, blocks * SC_LANES * sizeof(float));
    a->ds = aligned_alloc(64, blocks * SC_LANES * sizeof(float));
    if (!a->q || !a->d || !a->ds) {
      sc_lanes_free(a);
      return -1;
    }
    a->capacity_groups = groups;
    a->capacity_nb = nb;
  }
  a->tokens = tokens;
  a->groups = groups;
  a->nb = nb;
  a->k = k;
  return 0;
}

void sc_lanes_free(sc_lanes *a) {
  free(a->q);
  free(a->d);
  free(a->ds);
  memset(a, 0, sizeof *a);
}

static void quantize_scalar(sc_lanes *a, int token, const float *x) {
  int g = token / SC_LANES, lane = token % SC_LANES;
  for (int b = 0; b < a->nb; b++) {
    const float *v = x + b * SC_BLOCK;
    float amax = 0;
    for (int i = 0; i < SC_BLOCK; i++) amax = fabsf(v[i]) > amax ? fabsf(v[i]) : amax;
    float d = amax / 127.0f, inv = d > 0 ? 1.0f / d : 0.0f;
    size_t block = (size_t)g * a->nb + b;
    uint8_t *q = a->q + block * GROUP_BYTES + lane * 4;
    int sum = 0;
    for (int i = 0; i < SC_BLOCK; i++) {
      int c = (int)lrintf(v[i] * inv);
      q[(i / 4) * SC_LANES * 4 + i % 4] = (uint8_t)(c + 128);
      sum += c;
    }
    a->d[block * SC_LANES + lane] = d;
    a->ds[block * SC_LANES + lane] = d * (float)sum;
  }
}

#ifdef SC_X86
/* The same rounding (to nearest even, as lrintf), 32 values at a time. */
static X86_AVX2 void quantize_avx2(sc_lanes *a, int token, const float *x) {
  int g = token / SC_LANES, lane = token % SC_LANES;
  const __m256 sign = _mm256_set1_ps(-0.0f);
  for (int b = 0; b < a->nb; b++) {
    const float *v = x + b * SC_BLOCK;
    __m256 v0 = _mm256_loadu_ps(v), v1 = _mm256_loadu_ps(v + 8), v2 = _mm256_loadu_ps(v + 16), v3 = _mm256_loadu_ps(v + 24);
    __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign, v0), _mm256_andnot_ps(sign, v1)), _mm256_max_ps(_mm256_andnot_ps(sign, v2), _mm256_andnot_ps(sign, v3)));
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_movehdup_ps(h));
    float amax = _mm_cvtss_f32(h);
    float d = amax / 127.0f, inv = d > 0 ? 1.0f / d : 0.0f;
    __m256 iv = _mm256_set1_ps(inv);
    __m256i c0 = _mm256_cvtps_epi32(_mm256_mul_ps(v0, iv)), c1 = _mm256_cvtps_epi32(_mm256_mul_ps(v1, iv));
    __m256i c2 = _mm256_cvtps_epi32(_mm256_mul_ps(v2, iv)), c3 = _mm256_cvtps_epi32(_mm256_mul_ps(v3, iv));
    __m256i total = _mm256_add_epi32(_mm256_add_epi32(c0, c1), _mm256_add_epi32(c2, c3));
    __m128i t = _mm_add_epi32(_mm256_castsi256_si128(total), _mm256_extracti128_si256(total, 1));
    t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0x4e));
    t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0xb1));
    int sum = _mm_cvtsi128_si32(t);
    /* 32-bit codes to bytes (packs works within 128-bit halves; the permute restores order). */
    __m256i w16 = _mm256_packs_epi32(c0, c1), x16 = _mm256_packs_epi32(c2, c3);
    __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(w16, x16), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    bytes = _mm256_add_epi8(bytes, _mm256_set1_epi8((char)128));
    int32_t words[8];
    _mm256_storeu_si256((__m256i *)words, bytes);
    size_t block = (size_t)g * a->nb + b;
    uint8_t *q = a->q + block * GROUP_BYTES + lane * 4;
    for (int j = 0; j < 8; j++) memcpy(q + j * SC_LANES * 4, &words[j], 4);
    a->d[block * SC_LANES + lane] = d;
    a->ds[block * SC_LANES + lane] = d * (float)sum;
  }
}
#endif

void sc_lanes_quantize(sc_lanes *a, int token, const float *x) {
#ifdef SC_X86
  if (sc_cpu_avx2()) {
    quantize_avx2(a, token, x);
    return;
  }
#endif
  quantize_scalar(a, token, x);
}

void sc_lanes_pad(sc_lanes *a) {
  for (int t = a->tokens; t < a->groups * SC_LANES; t++) {
    int g = t / SC_LANES, lane = t % SC_LANES;
    for (int b = 0; b < a->nb; b++) {
      size_t block = (size_t)g * a->nb + b;
      uint8_t *q = a->q + block * GROUP_BYTES + lane * 4;
      for (int i = 0; i < SC_BLOCK; i++) q[(i / 4) * SC_LANES * 4 + i % 4] = 128;
      a->d[block * SC_LANES + lane] = 0;
      a->ds[block * SC_LANES + lane] = 0;
    }
  }
}

/*
 * Weights unpacked for the lane kernels, ROWS rows at a time: signed codes (code - 8) in column
 * order, and per block the integer correction for the activations' +128 (-128 times the block's
 * code sum), the scale, and the part of the minimum a signed code leaves out (m + 8 d; 0 for Q4_0).
 */
#define ROWS 4
#define MAX_K 16384

typedef struct {
  int8_t q[ROWS][MAX_K] __attribute__((aligned(64)));
  int32_t corr[ROWS][MAX_K / SC_BLOCK];
  float d[ROWS][MAX_K / SC_BLOCK], m[ROWS][MAX_K / SC_BLOCK];
} panel;

static void unpack_scalar(const sc_q4 *w, int row, int count, panel *p) {
  for (int i = 0; i < ROWS; i++) {
    int r = row + (i < count ? i : 0);
    for (int b = 0; b < w->nb; b++) {
      size_t at = (size_t)r * w->nb + b;
      const uint8_t *q = w->q + at * 16;
      int8_t *out = p->q[i] + b * SC_BLOCK;
      int sum = 0;
      for (int j = 0; j < 16; j++) {
        out[j] = (int8_t)((q[j] & 0xf) - 8);
        out[j + 16] = (int8_t)((q[j] >> 4) - 8);
        sum += out[j] + out[j + 16];
      }
      float d = sc_half_to_float(w->d[at]);
      p->corr[i][b] = -128 * sum;
      p->d[i][b] = d;
      p->m[i][b] = w->m ? sc_half_to_float(w->m[at]) + 8.0f * d : 0.0f;
    }
  }
}

static inline int32_t word(const int8_t *p) {
  int32_t v;
  memcpy(&v, p, 4);
  return v;
}

static void store(float *out, size_t ldo, int row, int count, int token0, int tokens, float sums[ROWS][SC_LANES]) {
  for (int t = 0; t < SC_LANES && token0 + t < tokens; t++)
    for (int i = 0; i < count; i++) out[(size_t)(token0 + t) * ldo + row + i] = sums[i][t];
}

static void lanes_scalar(const sc_q4 *w, const sc_lanes *a, float *out, size_t ldo, int row0, int row1, panel *p) {
  for (int r = row0; r < row1; r += ROWS) {
    int count = row1 - r < ROWS ? row1 - r : ROWS;
    unpack_scalar(w, r, count, p);
    for (int g = 0; g < a->groups && g * SC_LANES < a->tokens; g++) {
      float sums[ROWS][SC_LANES] = {{0}};
      for (int b = 0; b < w->nb; b++) {
        size_t block = (size_t)g * a->nb + b;
        const uint8_t *x = a->q + block * GROUP_BYTES;
        for (int i = 0; i < ROWS; i++) {
          for (int t = 0; t < SC_LANES; t++) {
            int dot = p->corr[i][b];
            for (int c = 0; c < SC_BLOCK; c++) dot += x[(c / 4) * SC_LANES * 4 + t * 4 + c % 4] * p->q[i][b * SC_BLOCK + c];
            sums[i][t] += (float)dot * (a->d[block * SC_LANES + t] * p->d[i][b]) + a->ds[block * SC_LANES + t] * p->m[i][b];
          }
        }
      }
      store(out, ldo, r - row0, count, g * SC_LANES, a->tokens, sums);
    }
  }
}

#ifdef SC_X86
/* The same with vector nibble splits, and the scales through F16C. */
static X86_AVX2 void unpack_avx2(const sc_q4 *w, int row, int count, panel *p) {
  const __m128i low = _mm_set1_epi8(0x0f), eight = _mm_set1_epi8(8);
  for (int i = 0; i < ROWS; i++) {
    int r = row + (i < count ? i : 0);
    const uint8_t *q = w->q + (size_t)r * w->nb * 16;
    const uint16_t *dh = w->d + (size_t)r * w->nb, *mh = w->m ? w->m + (size_t)r * w->nb : NULL;
    for (int b = 0; b < w->nb; b++) {
      __m128i raw = _mm_loadu_si128((const __m128i *)(q + b * 16));
      __m128i lo = _mm_and_si128(raw, low), hi = _mm_and_si128(_mm_srli_epi16(raw, 4), low);
      _mm_store_si128((__m128i *)(p->q[i] + b * SC_BLOCK), _mm_sub_epi8(lo, eight));
      _mm_store_si128((__m128i *)(p->q[i] + b * SC_BLOCK + 16), _mm_sub_epi8(hi, eight));
      __m128i sums = _mm_add_epi64(_mm_sad_epu8(lo, _mm_setzero_si128()), _mm_sad_epu8(hi, _mm_setzero_si128()));
      int sum = _mm_cvtsi128_si32(sums) + _mm_extract_epi32(sums, 2) - 8 * SC_BLOCK;
      float d = _cvtsh_ss(dh[b]);
      p->corr[i][b] = -128 * sum;
      p->d[i][b] = d;
      p->m[i][b] = mh ? _cvtsh_ss(mh[b]) + 8.0f * d : 0.0f;
    }
  }
}

/*
 * VNNI: one dpbusd multiplies 4 columns of a weight row (broadcast, signed) into 16 tokens'
 * codes (unsigned). Four rows and two groups of 16 tokens give eight independent sums per block;
 * each block then costs a conversion, a scale product and a multiply-add per row and group.
 */
static X86_VNNI void lanes_vnni(const sc_q4 *w, const sc_lanes *a, float *out, size_t ldo, int row0, int row1, panel *p) {
  int nb = w->nb;
  for (int r = row0; r < row1; r += ROWS) {
    int count = row1 - r < ROWS ? row1 - r : ROWS;
    unpack_avx2(w, r, count, p);
    for (int g = 0; g < a->groups && g * SC_LANES < a->tokens; g += 2) {
      const uint8_t *x0 = a->q + (size_t)g * nb * GROUP_BYTES, *x1 = x0 + (size_t)nb * GROUP_BYTES;
      const float *d0 = a->d + (size_t)g * nb * SC_LANES, *d1 = d0 + (size_t)nb * SC_LANES;
      const float *s0 = a->ds + (size_t)g * nb * SC_LANES, *s1 = s0 + (size_t)nb * SC_LANES;
      __m512 f00 = _mm512_setzero_ps(), f01 = f00, f10 = f00, f11 = f00, f20 = f00, f21 = f00, f30 = f00, f31 = f00;
      for (int b = 0; b < nb; b++) {
        __m512i c00 = _mm512_set1_epi32(p->corr[0][b]), c01 = c00, c10 = _mm512_set1_epi32(p->corr[1][b]), c11 = c10;
        __m512i c20 = _mm512_set1_epi32(p->corr[2][b]), c21 = c20, c30 = _mm512_set1_epi32(p->corr[3][b]), c31 = c30;
        const uint8_t *u = x0 + b * GROUP_BYTES, *v = x1 + b * GROUP_BYTES;
        const int8_t *w0 = p->q[0] + b * SC_BLOCK, *w1 = p->q[1] + b * SC_BLOCK, *w2 = p->q[2] + b * SC_BLOCK, *w3 = p->q[3] + b * SC_BLOCK;
#pragma GCC unroll 8
        for (int j = 0; j < 8; j++) {
          __m512i u0 = _mm512_load_si512(u + j * 64), u1 = _mm512_load_si512(v + j * 64);
          __m512i b0 = _mm512_set1_epi32(word(w0 + j * 4)), b1 = _mm512_set1_epi32(word(w1 + j * 4));
          __m512i b2 = _mm512_set1_epi32(word(w2 + j * 4)), b3 = _mm512_set1_epi32(word(w3 + j * 4));
          c00 = _mm512_dpbusd_epi32(c00, u0, b0);
          c01 = _mm512_dpbusd_epi32(c01, u1, b0);
          c10 = _mm512_dpbusd_epi32(c10, u0, b1);
          c11 = _mm512_dpbusd_epi32(c11, u1, b1);
          c20 = _mm512_dpbusd_epi32(c20, u0, b2);
          c21 = _mm512_dpbusd_epi32(c21, u1, b2);
          c30 = _mm512_dpbusd_epi32(c30, u0, b3);
          c31 = _mm512_dpbusd_epi32(c31, u1, b3);
        }
        __m512 a0 = _mm512_load_ps(d0 + b * SC_LANES), a1 = _mm512_load_ps(d1 + b * SC_LANES);
        __m512 e0 = _mm512_set1_ps(p->d[0][b]), e1 = _mm512_set1_ps(p->d[1][b]), e2 = _mm512_set1_ps(p->d[2][b]), e3 = _mm512_set1_ps(p->d[3][b]);
        f00 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(c00), _mm512_mul_ps(a0, e0), f00);
        f01 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(c01), _mm512_mul_ps(a1, e0), f01);
        f10 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(c10), _mm512_mul_ps(a0, e1), f10);
        f11 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(c11), _mm512_mul_ps(a1, e1), f11);
        f20 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(c20), _mm512_mul_ps(a0, e2), f20);
        f21 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(c21), _mm512_mul_ps(a1, e2), f21);
        f30 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(c30), _mm512_mul_ps(a0, e3), f30);
        f31 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(c31), _mm512_mul_ps(a1, e3), f31);
        if (w->m) {
          __m512 s0v = _mm512_load_ps(s0 + b * SC_LANES), s1v = _mm512_load_ps(s1 + b * SC_LANES);
          __m512 m0 = _mm512_set1_ps(p->m[0][b]), m1 = _mm512_set1_ps(p->m[1][b]), m2 = _mm512_set1_ps(p->m[2][b]), m3 = _mm512_set1_ps(p->m[3][b]);
          f00 = _mm512_fmadd_ps(s0v, m0, f00);
          f01 = _mm512_fmadd_ps(s1v, m0, f01);
          f10 = _mm512_fmadd_ps(s0v, m1, f10);
          f11 = _mm512_fmadd_ps(s1v, m1, f11);
          f20 = _mm512_fmadd_ps(s0v, m2, f20);
          f21 = _mm512_fmadd_ps(s1v, m2, f21);
          f30 = _mm512_fmadd_ps(s0v, m3, f30);
          f31 = _mm512_fmadd_ps(s1v, m3, f31);
        }
      }
      __m512 f[ROWS][2] = {{f00, f01}, {f10, f11}, {f20, f21}, {f30, f31}};
      for (int h = 0; h < 2; h++) {
        float sums[ROWS][SC_LANES];
        for (int i = 0; i < ROWS; i++) _mm512_storeu_ps(sums[i], f[i][h]);
        store(out, ldo, r - row0, count, (g + h) * SC_LANES, a->tokens, sums);
      }
    }
  }
}

/*
 * AVX2: maddubs multiplies the same pairs into 16-bit sums. A block's eight steps stay within
 * 16 bits (each at most 2 * 255 * 8 = 4080 in magnitude, eight of them 32640), so they add as
 * 16-bit and widen once per block.
 */
static X86_AVX2 void lanes_avx2(const sc_q4 *w, const sc_lanes *a, float *out, size_t ldo, int row0, int row1, panel *p) {
  int nb = w->nb;
  const __m256i ones = _mm256_set1_epi16(1);
  for (int r = row0; r < row1; r += ROWS) {
    int count = row1 - r < ROWS ? row1 - r : ROWS;
    unpack_avx2(w, r, count, p);
    for (int g = 0; g < a->groups && g * SC_LANES < a->tokens; g++) {
      const uint8_t *x = a->q + (size_t)g * nb * GROUP_BYTES;
      const float *dd = a->d + (size_t)g * nb * SC_LANES, *ss = a->ds + (size_t)g * nb * SC_LANES;
      float sums[ROWS][SC_LANES];
      for (int i0 = 0; i0 < ROWS; i0 += 2) {
        __m256 f[2][2] = {{_mm256_setzero_ps(), _mm256_setzero_ps()}, {_mm256_setzero_ps(), _mm256_setzero_ps()}};
        for (int b = 0; b < nb; b++) {
          __m256i c[2][2] = {{_mm256_setzero_si256(), _mm256_setzero_si256()}, {_mm256_setzero_si256(), _mm256_setzero_si256()}};
          for (int j = 0; j < 8; j++) {
            __m256i u0 = _mm256_load_si256((const __m256i *)(x + b * GROUP_BYTES + j * 64));
            __m256i u1 = _mm256_load_si256((const __m256i *)(x + b * GROUP_BYTES + j * 64 + 32));
            for (int i = 0; i < 2; i++) {
              int32_t wv;
              memcpy(&wv, p->q[i0 + i] + b * SC_BLOCK + j * 4, 4);
              __m256i wb = _mm256_set1_epi32(wv);
              c[i][0] = _mm256_add_epi16(c[i][0], _mm256_maddubs_epi16(u0, wb));
              c[i][1] = _mm256_add_epi16(c[i][1], _mm256_maddubs_epi16(u1, wb));
            }
          }
          __m256 a0 = _mm256_load_ps(dd + b * SC_LANES), a1 = _mm256_load_ps(dd + b * SC_LANES + 8);
          for (int i = 0; i < 2; i++) {
            __m256i corr = _mm256_set1_epi32(p->corr[i0 + i][b]);
            __m256 dw = _mm256_set1_ps(p->d[i0 + i][b]);
            __m256i w0 = _mm256_add_epi32(_mm256_madd_epi16(c[i][0], ones), corr), w1 = _mm256_add_epi32(_mm256_madd_epi16(c[i][1], ones), corr);
            f[i][0] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(w0), _mm256_mul_ps(a0, dw), f[i][0]);
            f[i][1] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(w1), _mm256_mul_ps(a1, dw), f[i][1]);
            if (w->m) {
              __m256 mw = _mm256_set1_ps(p->m[i0 + i][b]);
              f[i][0] = _mm256_fmadd_ps(_mm256_load_ps(ss + b * SC_LANES), mw, f[i][0]);
              f[i][1] = _mm256_fmadd_ps(_mm256_load_ps(ss + b * SC_LANES + 8), mw, f[i][1]);
            }
          }
        }
        for (int i = 0; i < 2; i++) {
          _mm256_storeu_ps(sums[i0 + i], f[i][0]);
          _mm256_storeu_ps(sums[i0 + i] + 8, f[i][1]);
        }
      }
      store(out, ldo, r - row0, count, g * SC_LANES, a->tokens, sums);
    }
  }
}
#endif

typedef void (*lanes_fn)(const sc_q4 *, const sc_lanes *, float *, size_t, int, int, panel *);

static lanes_fn pick(const char *kernel) {
#ifdef SC_X86
  if (strcmp(kernel, "avx512-vnni") == 0) return lanes_vnni;
  if (strcmp(kernel, "avx2") == 0) return lanes_avx2;
#endif
  (void)kernel;
  return lanes_scalar;
}

int sc_lanes_gemm(const sc_q4 *w, const sc_lanes *a, float *out, size_t ldo, int row0, int row1) {
  if (w->k != a->k || w->k > MAX_K) return -1;
  panel *p = aligned_alloc(64, sizeof(panel));
  if (!p) return -2;
  pick(sc_q4_kernel())(w, a, out, ldo, row0, row1, p);
  free(p);
  return 0;
}
