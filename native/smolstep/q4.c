#include "q4.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define SC_X86 1
#endif

float sc_half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t man = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else {
      exp = 127 - 15 + 1;
      while (!(man & 0x400)) {
        man <<= 1;
        exp--;
      }
      bits = sign | (exp << 23) | ((man & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000 | (man << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
  }
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

uint16_t sc_float_to_half(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
  float a = fabsf(f);
  if (!(a == a)) return sign | 0x7e00;
  if (a >= 65520.0f) return sign | 0x7c00;
  if (a < 6.103515625e-05f) return sign | (uint16_t)lrintf(a * 16777216.0f); /* subnormal: units of 2^-24 */
  int e;
  float m = frexpf(a, &e); /* a = m 2^e, m in [0.5, 1) */
  long mant = lrintf(m * 2048.0f); /* 11 significant bits, rounded to nearest even */
  if (mant == 2048) {
    mant = 1024;
    e++;
  }
  if (e + 14 >= 31) return sign | 0x7c00;
  return sign | (uint16_t)((e + 14) << 10) | (uint16_t)(mant - 1024);
}

int sc_q4_init(sc_q4 *w, int n, int k, const uint8_t *packed, const float *scales, const float *offsets) {
  memset(w, 0, sizeof *w);
  if (k % SC_BLOCK != 0) return -1;
  int nb = k / SC_BLOCK;
  size_t blocks = (size_t)n * nb;
  w->n = n;
  w->k = k;
  w->nb = nb;
  w->q = aligned_alloc(64, ((blocks * 16) + 63) / 64 * 64);
  w->d = malloc(blocks * sizeof(uint16_t));
  w->m = offsets ? malloc(blocks * sizeof(uint16_t)) : NULL;
  if (!w->q || !w->d || (offsets && !w->m)) {
    sc_q4_free(w);
    return -1;
  }
  for (size_t b = 0; b < blocks; b++) {
    const uint8_t *src = packed + b * 16;
    uint8_t codes[SC_BLOCK];
    for (int i = 0; i < 16; i++) {
      codes[2 * i] = src[i] & 0xf;
      codes[2 * i + 1] = src[i] >> 4;
    }
    for (int i = 0; i < 16; i++) w->q[b * 16 + i] = (uint8_t)(codes[i] | (codes[i + 16] << 4));
    float d = scales[b];
    w->d[b] = sc_float_to_half(d);
    /* value = (code - 8) d + offset = d code + (offset - 8 d) */
    if (w->m) w->m[b] = sc_float_to_half(offsets[b] - 8.0f * sc_half_to_float(w->d[b]));
  }
  return 0;
}

void sc_q4_free(sc_q4 *w) {
  free(w->q);
  free(w->d);
  free(w->m);
  memset(w, 0, sizeof *w);
}

uint64_t sc_q4_bytes(const sc_q4 *w) { return (uint64_t)w->n * w->nb * (16 + 2 + (w->m ? 2 : 0)); }

int sc_q8_init(sc_q8 *a, int k) {
  a->k = k;
  a->nb = k / SC_BLOCK;
  a->q = aligned_alloc(64, ((size_t)k + 63) / 64 * 64);
  a->d = malloc(sizeof(float) * (size_t)a->nb);
  a->ds = malloc(sizeof(float) * (size_t)a->nb);
  return a->q && a->d && a->ds ? 0 : -1;
}

void sc_q8_free(sc_q8 *a) {
  free(a->q);
  free(a->d);
  free(a->ds);
  memset(a, 0, sizeof *a);
}

void sc_q8_quantize(sc_q8 *a, const float *x) {
  for (int b = 0; b < a->nb; b++) {
    const float *v = x + b * SC_BLOCK;
    float amax = 0;
    for (int i = 0; i < SC_BLOCK; i++) amax = (fabsf(v[i]) > amax ? fabsf(v[i]) : amax);
    float d = amax / 127.0f;
    float inv = d > 0 ? 1.0f / d : 0.0f;
    int sum = 0;
    for (int i = 0; i < SC_BLOCK; i++) {
      int c = (int)lrintf(v[i] * inv);
      a->q[b * SC_BLOCK + i] = (int8_t)c;
      sum += c;
    }
    a->d[b] = d;
    a->ds[b] = d * (float)sum;
  }
}

void sc_q4_row(const sc_q4 *w, int row, float *out) {
  for (int b = 0; b < w->nb; b++) {
    size_t at = (size_t)row * w->nb + b;
    float d = sc_half_to_float(w->d[at]);
    float m = w->m ? sc_half_to_float(w->m[at]) : -8.0f * d;
    const uint8_t *q = w->q + at * 16;
    for (int i = 0; i < 16; i++) {
      out[b * SC_BLOCK + i] = d * (float)(q[i] & 0xf) + m;
      out[b * SC_BLOCK + i + 16] = d * (float)(q[i] >> 4) + m;
    }
  }
}

/* The block minimums' share: sum over blocks of m times the activation's scaled code sum. */
static float offset_sum(const sc_q4 *w, size_t first, const sc_q8 *a, const float *d) {
  float corr = 0;
  if (w->m) {
    for (int b = 0; b < w->nb; b++) corr += sc_half_to_float(w->m[first + b]) * a->ds[b];
  } else {
    for (int b = 0; b < w->nb; b++) corr += d[b] * a->ds[b];
    corr *= -8.0f;
  }
  return corr;
}

static void gemv_scalar(const sc_q4 *w, const sc_q8 *a, float *out, int row0, int row1) {
  float d[1024];
  for (int r = row0; r < row1; r++) {
    size_t first = (size_t)r * w->nb;
    float acc = 0;
    for (int b = 0; b < w->nb; b++) {
      const uint8_t *q = w->q + (first + b) * 16;
      const int8_t *x = a->q + b * SC_BLOCK;
      int dot = 0;
      for (int i = 0; i < 16; i++) dot += (q[i] & 0xf) * x[i] + (q[i] >> 4) * x[i + 16];
      d[b] = sc_half_to_float(w->d[first + b]);
      acc += d[b] * a->d[b] * (float)dot;
    }
    out[r - row0] = acc + offset_sum(w, first, a, d);
  }
}

#ifdef SC_X86

#define X86_AVX2 __attribute__((target("avx2,fma,f16c")))
#define X86_VNNI __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

/* Sum over blocks of a float16 (d or m) times the activation's scaled code sum, eight blocks at a time. */
static inline X86_AVX2 float half_dot(const uint16_t *h, const float *ds, int nb) {
  __m256 acc = _mm256_setzero_ps();
  int b = 0;
  for (; b + 8 <= nb; b += 8) acc = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(h + b))), _mm256_loadu_ps(ds + b), acc);
  float out[8], total = 0;
  _mm256_storeu_ps(out, acc);
  for (int i = 0; i < 8; i++) total += out[i];
  for (; b < nb; b++) total += _cvtsh_ss(h[b]) * ds[b];
  return total;
}

static inline X86_AVX2 float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

/* Two kernels that differ only in how 32 unsigned codes meet 32 signed activation codes: VNNI's
 * dpbusd, or maddubs (pairs to int16, at most 2 * 15 * 127, so never saturating) then madd. */
#define Q4_GEMV_BODY(DOT)                                                                      \
  const __m256i low = _mm256_set1_epi8(0x0f);                                                  \
  for (int r = row0; r < row1; r++) {                                                          \
    size_t first = (size_t)r * w->nb;                                                          \
    const uint8_t *q = w->q + first * 16;                                                      \
    const uint16_t *dh = w->d + first;                                                         \
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();                            \
    int b = 0;                                                                                 \
    for (; b + 1 < w->nb; b += 2) {                                                            \
      __m256 dw = _mm256_cvtph_ps(_mm_castps_si128(_mm_load_ss((const float *)(dh + b))));     \
      float d0 = _mm_cvtss_f32(_mm256_castps256_ps128(dw));                                    \
      float d1 = _mm_cvtss_f32(_mm_shuffle_ps(_mm256_castps256_ps128(dw), _mm256_castps256_ps128(dw), 1)); \
      __m128i r0 = _mm_loadu_si128((const __m128i *)(q + b * 16));                             \
      __m128i r1 = _mm_loadu_si128((const __m128i *)(q + b * 16 + 16));                        \
      __m256i q0 = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(r0, 4), r0), low);         \
      __m256i q1 = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(r1, 4), r1), low);         \
      __m256i x0 = _mm256_load_si256((const __m256i *)(a->q + b * SC_BLOCK));                  \
      __m256i x1 = _mm256_load_si256((const __m256i *)(a->q + b * SC_BLOCK + SC_BLOCK));       \
      acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(DOT(q0, x0)), _mm256_set1_ps(d0 * a->d[b]), acc0); \
      acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(DOT(q1, x1)), _mm256_set1_ps(d1 * a->d[b + 1]), acc1); \
    }                                                                                          \
    for (; b < w->nb; b++) {                                                                   \
      float db = _cvtsh_ss(dh[b]);                                                             \
      __m128i r0 = _mm_loadu_si128((const __m128i *)(q + b * 16));                             \
      __m256i q0 = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(r0, 4), r0), low);         \
      __m256i x0 = _mm256_load_si256((const __m256i *)(a->q + b * SC_BLOCK));                  \
      acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(DOT(q0, x0)), _mm256_set1_ps(db * a->d[b]), acc0); \
    }                                                                                          \
    float corr = w->m ? half_dot(w->m + first, a->ds, w->nb) : -8.0f * half_dot(dh, a->ds, w->nb); \
    out[r - row0] = hsum8(_mm256_add_ps(acc0, acc1)) + corr;                                  \
  }

/* N activation rows (tokens, 1-4) share each unpacked weight block. The products of weight and
 * activation scales are taken for a whole row first, eight blocks at a time, so each block costs
 * one dot product, one conversion and one multiply-add per token. out[s * ldo + r - row0]. */
#define Q4_GEMM_BODY(DOT, N)                                                                   \
  const __m256i low = _mm256_set1_epi8(0x0f);                                                  \
  float scale[N][1024];                                                                        \
  for (int r = row0; r < row1; r++) {                                                          \
    size_t first = (size_t)r * w->nb;                                                          \
    const uint8_t *q = w->q + first * 16;                                                      \
    const uint16_t *dh = w->d + first;                                                         \
    int b8 = 0;                                                                                \
    for (; b8 + 8 <= w->nb; b8 += 8) {                                                         \
      __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(dh + b8)));                \
      for (int s = 0; s < N; s++) _mm256_storeu_ps(&scale[s][b8], _mm256_mul_ps(dw, _mm256_loadu_ps(a[s].d + b8))); \
    }                                                                                          \
    for (; b8 < w->nb; b8++)                                                                   \
      for (int s = 0; s < N; s++) scale[s][b8] = _cvtsh_ss(dh[b8]) * a[s].d[b8];              \
    __m256 c0 = _mm256_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, e0 = c0;                       \
    int b = 0;                                                                                 \
    for (; b < w->nb; b++) {                                                                   \
      __m128i raw = _mm_loadu_si128((const __m128i *)(q + b * 16));                            \
      __m256i qq = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(raw, 4), raw), low);       \
      __m256 p0 = _mm256_cvtepi32_ps(DOT(qq, _mm256_load_si256((const __m256i *)(a[0].q + b * SC_BLOCK)))); \
      /* One token alternates two sums so consecutive blocks do not wait on each other. */      \
      if (N == 1 && (b & 1)) e0 = _mm256_fmadd_ps(p0, _mm256_broadcast_ss(&scale[0][b]), e0); \
      else c0 = _mm256_fmadd_ps(p0, _mm256_broadcast_ss(&scale[0][b]), c0);                    \
      if (N > 1) c1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(DOT(qq, _mm256_load_si256((const __m256i *)(a[N > 1 ? 1 : 0].q + b * SC_BLOCK)))), _mm256_broadcast_ss(&scale[N > 1 ? 1 : 0][b]), c1); \
      if (N > 2) c2 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(DOT(qq, _mm256_load_si256((const __m256i *)(a[N > 2 ? 2 : 0].q + b * SC_BLOCK)))), _mm256_broadcast_ss(&scale[N > 2 ? 2 : 0][b]), c2); \
      if (N > 3) c3 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(DOT(qq, _mm256_load_si256((const __m256i *)(a[N > 3 ? 3 : 0].q + b * SC_BLOCK)))), _mm256_broadcast_ss(&scale[N > 3 ? 3 : 0][b]), c3); \
    }                                                                                          \
    __m256 sums[4] = {_mm256_add_ps(c0, e0), c1, c2, c3};                                      \
    for (int s = 0; s < N; s++) {                                                              \
      float corr = w->m ? half_dot(w->m + first, a[s].ds, w->nb) : -8.0f * half_dot(dh, a[s].ds, w->nb); \
      out[(size_t)s * ldo + (r - row0)] = hsum8(sums[s]) + corr;                               \
    }                                                                                          \
  }

static inline X86_AVX2 __m256i dot_avx2(__m256i q, __m256i x) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(q, x), _mm256_set1_epi16(1));
}

static inline X86_VNNI __m256i dot_vnni(__m256i q, __m256i x) { return _mm256_dpbusd_epi32(_mm256_setzero_si256(), q, x); }

static X86_AVX2 void gemv_avx2(const sc_q4 *w, const sc_q8 *a, float *out, int row0, int row1) { Q4_GEMV_BODY(dot_avx2) }

static X86_VNNI void gemv_vnni(const sc_q4 *w, const sc_q8 *a, float *out, int row0, int row1) { Q4_GEMV_BODY(dot_vnni) }

#define Q4_GEMM_FNS(NAME, TARGET, DOT)                                                                                   \
  static TARGET void NAME##_1(const sc_q4 *w, const sc_q8 *a, float *out, size_t ldo, int row0, int row1) { Q4_GEMM_BODY(DOT, 1) } \
  static TARGET void NAME##_2(const sc_q4 *w, const sc_q8 *a, float *out, size_t ldo, int row0, int row1) { Q4_GEMM_BODY(DOT, 2) } \
  static TARGET void NAME##_3(const sc_q4 *w, const sc_q8 *a, float *out, size_t ldo, int row0, int row1) { Q4_GEMM_BODY(DOT, 3) } \
  static TARGET void NAME##_4(const sc_q4 *w, const sc_q8 *a, float *out, size_t ldo, int row0, int row1) { Q4_GEMM_BODY(DOT, 4) } \
  static void NAME(const sc_q4 *w, const sc_q8 *a, int n, float *out, size_t ldo, int row0, int row1) {                  \
    if (n == 1) NAME##_1(w, a, out, ldo, row0, row1);                                                                  \
    else if (n == 2) NAME##_2(w, a, out, ldo, row0, row1);                                                             \
    else if (n == 3) NAME##_3(w, a, out, ldo, row0, row1);                                                             \
    else NAME##_4(w, a, out, ldo, row0, row1);                                                                         \
  }

Q4_GEMM_FNS(gemm4_avx2, X86_AVX2, dot_avx2)
Q4_GEMM_FNS(gemm4_vnni, X86_VNNI, dot_vnni)

#endif

typedef void (*gemv_fn)(const sc_q4 *, const sc_q8 *, float *, int, int);
typedef void (*gemm4_fn)(const sc_q4 *, const sc_q8 *, int, float *, size_t, int, int);

static void gemm4_scalar(const sc_q4 *w, const sc_q8 *a, int n, float *out, size_t ldo, int row0, int row1) {
  for (int s = 0; s < n; s++) gemv_scalar(w, &a[s], out + (size_t)s * ldo, row0, row1);
}

static gemv_fn chosen;
static gemm4_fn chosen4;
static const char *chosen_name;

static void choose(void) {
  if (chosen) return;
  chosen = gemv_scalar;
  chosen4 = gemm4_scalar;
  chosen_name = "scalar";
#ifdef SC_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    chosen = gemv_avx2;
    chosen4 = gemm4_avx2;
    chosen_name = "avx2";
    if (__builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw")) {
      chosen = gemv_vnni;
      chosen4 = gemm4_vnni;
      chosen_name = "avx512-vnni";
    }
  }
#endif
}

void sc_q4_gemv(const sc_q4 *w, const sc_q8 *a, float *out, int row0, int row1) {
  choose();
  chosen(w, a, out, row0, row1);
}

int sc_q4_use(const char *name) {
  choose();
  if (strcmp(name, "scalar") == 0) {
    chosen = gemv_scalar;
    chosen4 = gemm4_scalar;
    chosen_name = "scalar";
    return 0;
  }
#ifdef SC_X86
  if (strcmp(name, "avx2") == 0 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    chosen = gemv_avx2;
    chosen4 = gemm4_avx2;
    chosen_name = "avx2";
    return 0;
  }
  if (strcmp(name, "avx512-vnni") == 0 && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw")) {
    chosen = gemv_vnni;
    chosen4 = gemm4_vnni;
    chosen_name = "avx512-vnni";
    return 0;
  }
#endif
  return -1;
}

void sc_q4_gemm(const sc_q4 *w, const sc_q8 *a, int n, float *out, size_t ldo, int row0, int row1) {
  choose();
  if (n == 1) {
    chosen(w, a, out, row0, row1);
    return;
  }
  for (int s = 0; s < n; s += 4) chosen4(w, a + s, n - s < 4 ? n - s : 4, out + (size_t)s * ldo, ldo, row0, row1);
}

const char *sc_q4_kernel(void) {
  choose();
  return chosen_name;
}
