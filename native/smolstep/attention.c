#include "attention.h"

#include <math.h>
#include <stddef.h>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define SC_X86 1
#define X86_AVX2 __attribute__((target("avx2,fma")))
#endif

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

/* e^x for x <= 0 (softmax after its maximum is taken off), about 1e-7 relative error:
 * 2^(x log2 e) as 2^n times a degree-6 polynomial of the fraction. */
static inline X86_AVX2 __m256 exp_avx2(__m256 x) {
  x = _mm256_max_ps(x, _mm256_set1_ps(-87.0f));
  __m256 y = _mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f));
  __m256 n = _mm256_round_ps(y, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 f = _mm256_mul_ps(_mm256_sub_ps(y, n), _mm256_set1_ps(0.69314718055994531f));
  __m256 p = _mm256_set1_ps(1.0f / 720);
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.0f / 120));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.0f / 24));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.0f / 6));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.0f));
  __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

static X86_AVX2 float exp_sum_avx2(float *s, int length, float max) {
  __m256 m = _mm256_set1_ps(max), sum = _mm256_setzero_ps();
  int p = 0;
  for (; p + 8 <= length; p += 8) {
    __m256 e = exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(s + p), m));
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

static int allowed = 1;

static int has_avx2(void) {
  static int known = -1;
  if (!allowed) return 0;
  if (known < 0) {
    __builtin_cpu_init();
    known = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }
  return known;
}
#endif

void sc_attention_vectors(int on) {
#ifdef SC_X86
  allowed = on;
#else
  (void)on;
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

void sc_attention_softmax(void *ctx, int ith, int nth) {
  const sc_attention *at = ctx;
  const sc_kv *kv = at->kv;
  int cap = kv->capacity, group = at->heads / kv->kv_heads;
  for (int h = ith; h < at->heads; h += nth) {
    float *s = at->scores + (size_t)h * cap;
    const float *vscale = kv->value_scale + (size_t)(h / group) * cap;
    float max = -INFINITY;
    for (int p = 0; p < at->length; p++) max = s[p] > max ? s[p] : max;
    float sum = 0;
#ifdef SC_X86
    if (has_avx2()) {
      sum = exp_sum_avx2(s, at->length, max);
    } else
#endif
    {
      for (int p = 0; p < at->length; p++) {
        s[p] = expf(s[p] - max);
        sum += s[p];
      }
    }
    /* The value scales fold into the weights, so the value rows are read as raw codes. */
    float inv = 1.0f / sum;
    for (int p = 0; p < at->length; p++) s[p] *= inv * vscale[p];
  }
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
