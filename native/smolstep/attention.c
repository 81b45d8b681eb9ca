#include "attention.h"
#include "vmath.h"

#include <math.h>
#include <stddef.h>


void sc_kv_append(const sc_kv *kv, int position, const float *key, const float *value) {
  int hd = kv->head_dim, cap = kv->capacity;
  for (int g = 0; g < kv->kv_heads; g++) {
    const float *k = key + g * hd, *v = value + g * hd;
    float kmax = 0, vmax = 0;
    for (int d = 0; d < hd; d++) {
      kmax = fabsf(k[d]) > kmax ? fabsf(k[d]) : kmax;
      vmax = fabsf(v[d]) > vmax ? fabsf(v[d]) : vmax;
    }
    float ks = kmax / 127.0f, vs = vmax / 127.0f;
    float kinv = ks > 0 ? 1.0f / ks : 0.0f, vinv = vs > 0 ? 1.0f / vs : 0.0f;
    kv->key_scale[(size_t)g * cap + position] = ks;
    kv->value_scale[(size_t)g * cap + position] = vs;
    /* Rounded half away from zero, as Math.round rounds these in kvRows.ts for positive halves;
     * ties are too rare to matter and the cache's tests allow one code of difference. */
    for (int d = 0; d < hd; d++) {
      kv->key[((size_t)g * hd + d) * cap + position] = (int8_t)lrintf(k[d] * kinv);
      kv->value[((size_t)g * cap + position) * hd + d] = (int8_t)lrintf(v[d] * vinv);
    }
  }
}

static void split(int length, int ith, int nth, int *from, int *to) {
  int per = ((length + nth - 1) / nth + 7) & ~7;
  *from = ith * per < length ? ith * per : length;
  *to = (ith + 1) * per < length ? (ith + 1) * per : length;
}

static void scores_scalar(const sc_attention *at, int g, int p0, int p1) {
  const sc_kv *kv = at->kv;
  int hd = kv->head_dim, cap = kv->capacity, group = at->heads / kv->kv_heads;
  float norm = 1.0f / sqrtf((float)hd);
  for (int i = 0; i < group; i++) {
    int h = g * group + i;
    const float *q = at->query + (size_t)h * hd;
    for (int p = p0; p < p1; p++) {
      float s = 0;
      for (int d = 0; d < hd; d++) s += q[d] * kv->key[((size_t)g * hd + d) * cap + p];
      at->scores[(size_t)h * cap + p] = s * kv->key_scale[(size_t)g * cap + p] * norm;
    }
  }
}

#ifdef SC_X86
static inline X86_AVX2 __m256 load8_i8(const int8_t *p) { return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)p))); }

/* Up to four query heads of one KV head share each converted row of keys. */
static X86_AVX2 void scores_avx2(const sc_attention *at, int g, int p0, int p1) {
  const sc_kv *kv = at->kv;
  int hd = kv->head_dim, cap = kv->capacity, group = at->heads / kv->kv_heads;
  const int8_t *key = kv->key + (size_t)g * hd * cap;
  const float *kscale = kv->key_scale + (size_t)g * cap;
  __m256 norm = _mm256_set1_ps(1.0f / sqrtf((float)hd));
  int vector_end = p0 + (p1 - p0) / 8 * 8;
  for (int i0 = 0; i0 < group; i0 += 4) {
    int n = group - i0 < 4 ? group - i0 : 4;
    const float *q[4];
    for (int i = 0; i < 4; i++) q[i] = at->query + (size_t)(g * group + i0 + (i < n ? i : 0)) * hd;
    for (int p = p0; p < vector_end; p += 8) {
      __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
      for (int d = 0; d < hd; d++) {
        __m256 k = load8_i8(key + (size_t)d * cap + p);
        a0 = _mm256_fmadd_ps(k, _mm256_broadcast_ss(q[0] + d), a0);
        a1 = _mm256_fmadd_ps(k, _mm256_broadcast_ss(q[1] + d), a1);
        a2 = _mm256_fmadd_ps(k, _mm256_broadcast_ss(q[2] + d), a2);
        a3 = _mm256_fmadd_ps(k, _mm256_broadcast_ss(q[3] + d), a3);
      }
      __m256 s = _mm256_mul_ps(_mm256_loadu_ps(kscale + p), norm);
      __m256 acc[4] = {a0, a1, a2, a3};
      for (int i = 0; i < n; i++) _mm256_storeu_ps(at->scores + (size_t)(g * group + i0 + i) * cap + p, _mm256_mul_ps(acc[i], s));
    }
  }
  if (vector_end < p1) scores_scalar(at, g, vector_end, p1);
}

static X86_AVX2 float exp_sum_avx2(float *s, int length, float max) {
  __m256 m = _mm256_set1_ps(max), sum = _mm256_setzero_ps();
  int p = 0;
  for (; p + 8 <= length; p += 8) {
    __m256 e = sc_exp8(_mm256_sub_ps(_mm256_loadu_ps(s + p), m));
    _mm256_storeu_ps(s + p, e);
    sum = _mm256_add_ps(sum, e);
  }
  float out[8], total = 0;
  _mm256_storeu_ps(out, sum);
  for (int i = 0; i < 8; i++) total += out[i];
  for (; p < length; p++) {
    s[p] = expf(s[p] - max);
    total += s[p];
  }
  return total;
}

/* Up to three query heads of one KV head, sixteen head dimensions at a time. */
static X86_AVX2 void values_avx2(const sc_attention *at, int g, int d0, int d1) {
  const sc_kv *kv = at->kv;
  int hd = kv->head_dim, cap = kv->capacity, group = at->heads / kv->kv_heads;
  const int8_t *value = kv->value + (size_t)g * cap * hd;
  for (int i0 = 0; i0 < group; i0 += 3) {
    int n = group - i0 < 3 ? group - i0 : 3;
    const float *w[3];
    for (int i = 0; i < 3; i++) w[i] = at->scores + (size_t)(g * group + i0 + (i < n ? i : 0)) * cap;
    for (int d = d0; d < d1; d += 16) {
      __m256 a0 = _mm256_setzero_ps(), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0;
      for (int p = 0; p < at->length; p++) {
        const int8_t *row = value + (size_t)p * hd + d;
        __m256 lo = load8_i8(row), hi = load8_i8(row + 8);
        __m256 w0 = _mm256_broadcast_ss(w[0] + p), w1 = _mm256_broadcast_ss(w[1] + p), w2 = _mm256_broadcast_ss(w[2] + p);
        a0 = _mm256_fmadd_ps(lo, w0, a0);
        b0 = _mm256_fmadd_ps(hi, w0, b0);
        a1 = _mm256_fmadd_ps(lo, w1, a1);
        b1 = _mm256_fmadd_ps(hi, w1, b1);
        a2 = _mm256_fmadd_ps(lo, w2, a2);
        b2 = _mm256_fmadd_ps(hi, w2, b2);
      }
      __m256 lows[3] = {a0, a1, a2}, highs[3] = {b0, b1, b2};
      for (int i = 0; i < n; i++) {
        float *o = at->out + (size_t)(g * group + i0 + i) * hd + d;
        _mm256_storeu_ps(o, lows[i]);
        _mm256_storeu_ps(o + 8, highs[i]);
      }
    }
  }
}

/* The most the attention kernels may use: 0 plain C, 1 AVX2, 2 AVX-512 (sc_attention_vectors). */
static int allowed = 2;

static int has_avx2(void) { return allowed >= 1 && sc_cpu_avx2(); }
#endif

void sc_attention_vectors(int level) {
#ifdef SC_X86
  allowed = level;
#else
  (void)level;
#endif
}

void sc_attention_scores(void *ctx, int ith, int nth) {
  const sc_attention *at = ctx;
  int p0, p1;
  split(at->length, ith, nth, &p0, &p1);
  if (p0 >= p1) return;
  for (int g = 0; g < at->kv->kv_heads; g++) {
#ifdef SC_X86
    if (has_avx2()) {
      scores_avx2(at, g, p0, p1);
      continue;
    }
#endif
    scores_scalar(at, g, p0, p1);
  }
}

/* Softmax of one head's scores over `length` positions, with the value scales folded in, so the
 * value rows are read as raw codes. */
static void softmax_row(float *s, const float *vscale, int length) {
  float max = -INFINITY;
  for (int p = 0; p < length; p++) max = s[p] > max ? s[p] : max;
  float sum = 0;
#ifdef SC_X86
  if (has_avx2()) {
    sum = exp_sum_avx2(s, length, max);
  } else
#endif
  {
    for (int p = 0; p < length; p++) {
      s[p] = expf(s[p] - max);
      sum += s[p];
    }
  }
  float inv = 1.0f / sum;
  for (int p = 0; p < length; p++) s[p] *= inv * vscale[p];
}

void sc_attention_softmax(void *ctx, int ith, int nth) {
  const sc_attention *at = ctx;
  const sc_kv *kv = at->kv;
  int cap = kv->capacity, group = at->heads / kv->kv_heads;
  for (int h = ith; h < at->heads; h += nth) softmax_row(at->scores + (size_t)h * cap, kv->value_scale + (size_t)(h / group) * cap, at->length);
}

void sc_attention_values(void *ctx, int ith, int nth) {
  const sc_attention *at = ctx;
  const sc_kv *kv = at->kv;
  int hd = kv->head_dim, cap = kv->capacity, group = at->heads / kv->kv_heads;
  /* Head dimensions in sixteens, split across threads. */
  int chunks = hd / 16;
  int c0 = chunks * ith / nth, c1 = chunks * (ith + 1) / nth;
#ifdef SC_X86
  if (has_avx2() && hd % 16 == 0) {
    if (c0 < c1)
      for (int g = 0; g < kv->kv_heads; g++) values_avx2(at, g, c0 * 16, c1 * 16);
    return;
  }
#endif
  int d0 = hd * ith / nth, d1 = hd * (ith + 1) / nth;
  for (int h = 0; h < at->heads; h++) {
    int g = h / group;
    const float *w = at->scores + (size_t)h * cap;
    float *o = at->out + (size_t)h * hd;
    for (int d = d0; d < d1; d++) o[d] = 0;
    for (int p = 0; p < at->length; p++) {
      const int8_t *row = kv->value + ((size_t)g * cap + p) * hd;
      for (int d = d0; d < d1; d++) o[d] += w[p] * row[d];
    }
  }
}

#define CHUNK_TOKENS 8
#define CHUNK_MAX_HEAD_DIM 128

static void values_scalar(const sc_attention *at, int g) {
  const sc_kv *kv = at->kv;
  int hd = kv->head_dim, cap = kv->capacity, group = at->heads / kv->kv_heads;
  for (int h = g * group; h < (g + 1) * group; h++) {
    const float *w = at->scores + (size_t)h * cap;
    float *o = at->out + (size_t)h * hd;
    for (int d = 0; d < hd; d++) o[d] = 0;
    for (int p = 0; p < at->length; p++) {
      const int8_t *row = kv->value + ((size_t)g * cap + p) * hd;
      for (int d = 0; d < hd; d++) o[d] += w[p] * row[d];
    }
  }
}

#ifdef SC_X86
#define X86_512 __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vl")))

/*
 * Queries of up to CHUNK_TOKENS tokens and one KV head's group of heads together: each block of
 * 16 keys or one row of values is converted from its codes once for all of them.
 * Rows are token-major: row r is token t0 + r / group, head g * group + r % group.
 */
static inline X86_512 __m512 load16_i8(const int8_t *p) { return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)p))); }

static X86_512 void chunk_item_avx512(const sc_chunk_attention *c, int g, int t0, int t1, float *scores) {
  const sc_kv *kv = c->kv;
  int hd = kv->head_dim, cap = kv->capacity, group = c->heads / kv->kv_heads;
  int rows = (t1 - t0) * group, length = c->position + t1;
  const int8_t *key = kv->key + (size_t)g * hd * cap;
  const float *kscale = kv->key_scale + (size_t)g * cap;
  float norm = 1.0f / sqrtf((float)hd);
  const float *q[CHUNK_TOKENS * 8];
  for (int r = 0; r < rows; r++) q[r] = c->query + (size_t)(t0 + r / group) * c->query_stride + (size_t)(g * group + r % group) * hd;
  /* Scores, 32 positions by 8 rows at a time. */
  for (int p = 0; p < length; p += 32) {
    __mmask16 m0 = (__mmask16)(p + 16 <= length ? 0xffff : (p < length ? (1u << (length - p)) - 1 : 0));
    __mmask16 m1 = (__mmask16)(p + 32 <= length ? 0xffff : (p + 16 < length ? (1u << (length - p - 16)) - 1 : 0));
    __m512 keys[2][CHUNK_MAX_HEAD_DIM];
    for (int d = 0; d < hd; d++) {
      keys[0][d] = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m0, key + (size_t)d * cap + p)));
      keys[1][d] = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m1, key + (size_t)d * cap + p + 16)));
    }
    __m512 s0 = _mm512_mul_ps(_mm512_maskz_loadu_ps(m0, kscale + p), _mm512_set1_ps(norm));
    __m512 s1 = _mm512_mul_ps(_mm512_maskz_loadu_ps(m1, kscale + p + 16), _mm512_set1_ps(norm));
    for (int r0 = 0; r0 < rows; r0 += 8) {
      int n = rows - r0 < 8 ? rows - r0 : 8;
      __m512 a[8][2];
      for (int i = 0; i < 8; i++) a[i][0] = a[i][1] = _mm512_setzero_ps();
      const float *qq[8];
      for (int i = 0; i < 8; i++) qq[i] = q[r0 + (i < n ? i : 0)];
      for (int d = 0; d < hd; d++) {
#pragma GCC unroll 8
        for (int i = 0; i < 8; i++) {
          __m512 b = _mm512_set1_ps(qq[i][d]);
          a[i][0] = _mm512_fmadd_ps(keys[0][d], b, a[i][0]);
          a[i][1] = _mm512_fmadd_ps(keys[1][d], b, a[i][1]);
        }
      }
      for (int i = 0; i < n; i++) {
        float *out = scores + (size_t)(r0 + i) * cap + p;
        _mm512_mask_storeu_ps(out, m0, _mm512_mul_ps(a[i][0], s0));
        _mm512_mask_storeu_ps(out + 16, m1, _mm512_mul_ps(a[i][1], s1));
      }
    }
  }
  /* Each row's softmax over its own positions; the rest of the block's width weighs nothing. */
  for (int r = 0; r < rows; r++) {
    int own = c->position + t0 + r / group + 1;
    float *s = scores + (size_t)r * cap;
    softmax_row(s, kv->value_scale + (size_t)g * cap, own);
    for (int p = own; p < length; p++) s[p] = 0;
  }
  /* Values, 6 rows by 64 dimensions at a time, then by 16. */
  const int8_t *value = kv->value + (size_t)g * cap * hd;
  for (int r0 = 0; r0 < rows; r0 += 6) {
    int n = rows - r0 < 6 ? rows - r0 : 6;
    const float *w[6];
    float *o[6];
    for (int i = 0; i < 6; i++) {
      int r = r0 + (i < n ? i : 0);
      w[i] = scores + (size_t)r * cap;
      o[i] = c->out + (size_t)(t0 + r / group) * c->out_stride + (size_t)(g * group + r % group) * hd;
    }
    int d0 = 0;
    for (; d0 + 64 <= hd; d0 += 64) {
      __m512 a[6][4];
      for (int i = 0; i < 6; i++) a[i][0] = a[i][1] = a[i][2] = a[i][3] = _mm512_setzero_ps();
      for (int p = 0; p < length; p++) {
        const int8_t *row = value + (size_t)p * hd + d0;
        __m512 v0 = load16_i8(row), v1 = load16_i8(row + 16), v2 = load16_i8(row + 32), v3 = load16_i8(row + 48);
#pragma GCC unroll 6
        for (int i = 0; i < 6; i++) {
          __m512 b = _mm512_set1_ps(w[i][p]);
          a[i][0] = _mm512_fmadd_ps(v0, b, a[i][0]);
          a[i][1] = _mm512_fmadd_ps(v1, b, a[i][1]);
          a[i][2] = _mm512_fmadd_ps(v2, b, a[i][2]);
          a[i][3] = _mm512_fmadd_ps(v3, b, a[i][3]);
        }
      }
      for (int i = 0; i < n; i++)
        for (int j = 0; j < 4; j++) _mm512_storeu_ps(o[i] + d0 + 16 * j, a[i][j]);
    }
    for (; d0 < hd; d0 += 16) {
      __m512 a[6];
      for (int i = 0; i < 6; i++) a[i] = _mm512_setzero_ps();
      for (int p = 0; p < length; p++) {
        __m512 v = load16_i8(value + (size_t)p * hd + d0);
#pragma GCC unroll 6
        for (int i = 0; i < 6; i++) a[i] = _mm512_fmadd_ps(v, _mm512_set1_ps(w[i][p]), a[i]);
      }
      for (int i = 0; i < n; i++) _mm512_storeu_ps(o[i] + d0, a[i]);
    }
  }
}

static int has_avx512(void) {
  static int known = -1;
  if (allowed < 2) return 0;
  if (known < 0) {
    __builtin_cpu_init();
    known = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  }
  return known;
}
#endif

size_t sc_attention_chunk_scratch(const sc_kv *kv, int heads) {
  int group = heads / kv->kv_heads;
  int rows = CHUNK_TOKENS * group > heads ? CHUNK_TOKENS * group : heads;
  return (size_t)rows * kv->capacity;
}

void sc_attention_chunk(void *ctx, int ith, int nth) {
  const sc_chunk_attention *c = ctx;
  const sc_kv *kv = c->kv;
  int cap = kv->capacity, group = c->heads / kv->kv_heads;
  float *scores = c->scores + (size_t)ith * sc_attention_chunk_scratch(kv, c->heads);
#ifdef SC_X86
  if (has_avx512() && kv->head_dim % 16 == 0 && kv->head_dim <= CHUNK_MAX_HEAD_DIM && group <= 8) {
    /* Items of one KV head and up to CHUNK_TOKENS tokens, dealt round-robin: later tokens
     * attend to more positions, so each thread gets short and long ones. */
    int tiles = (c->count + CHUNK_TOKENS - 1) / CHUNK_TOKENS, items = tiles * kv->kv_heads;
    for (int i = ith; i < items; i += nth) {
      int t0 = i / kv->kv_heads * CHUNK_TOKENS, g = i % kv->kv_heads;
      chunk_item_avx512(c, g, t0, t0 + CHUNK_TOKENS < c->count ? t0 + CHUNK_TOKENS : c->count, scores);
    }
    return;
  }
#endif
  int items = c->count * kv->kv_heads;
  for (int i = ith; i < items; i += nth) {
    int t = i / kv->kv_heads, g = i % kv->kv_heads;
    sc_attention at = {kv, c->heads, c->position + t + 1, c->query + (size_t)t * c->query_stride, scores, c->out + (size_t)t * c->out_stride};
#ifdef SC_X86
    if (has_avx2()) scores_avx2(&at, g, 0, at.length);
    else
#endif
      scores_scalar(&at, g, 0, at.length);
    for (int h = g * group; h < (g + 1) * group; h++) softmax_row(scores + (size_t)h * cap, kv->value_scale + (size_t)g * cap, at.length);
#ifdef SC_X86
    if (has_avx2() && kv->head_dim % 16 == 0) {
      values_avx2(&at, g, 0, kv->head_dim);
      continue;
    }
#endif
    values_scalar(&at, g);
  }
}
