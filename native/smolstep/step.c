#include "step.h"

#include "lanes.h"
#include "vmath.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct sc_model {
  sc_config c;
  sc_layer *layers;
  float *final_norm;
  sc_q4 head;
  sc_table8 table8;
  sc_pool *pool;
  float *inv_freq; /* [head_dim / 2] */
  /* scratch for a step of up to SC_MAX_TOKENS tokens, token-major */
  float *x, *xn, *qkv, *attn, *proj, *act;
  float *scores;
  long long scores_capacity; /* floats */
  sc_q8 a_hidden[SC_SMALL_STEP], a_attn[SC_SMALL_STEP], a_inter[SC_SMALL_STEP];
  /* scratch for longer steps (prompt chunks), grown to the longest one seen */
  int chunk_tokens;
  float *cx, *cxn, *cqkv, *cattn, *cproj, *cact, *crope;
  sc_lanes l_hidden, l_attn, l_inter;
};

/* The long-step buffers (reserve_chunk). */
static void free_chunk(sc_model *m) {
  float **buffers[] = {&m->cx, &m->cxn, &m->cqkv, &m->cattn, &m->cproj, &m->cact, &m->crope};
  for (size_t i = 0; i < sizeof buffers / sizeof buffers[0]; i++) {
    free(*buffers[i]);
    *buffers[i] = NULL;
  }
  m->chunk_tokens = 0;
}

sc_model *sc_model_create(const sc_config *c, int threads) {
  sc_model *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  m->c = *c;
  int hd = c->head_dim, qkv_rows = (c->heads + 2 * c->kv_heads) * hd;
  m->layers = calloc((size_t)c->layers, sizeof(sc_layer));
  m->inv_freq = malloc(sizeof(float) * (size_t)(hd / 2));
  size_t t = SC_SMALL_STEP;
  m->x = malloc(sizeof(float) * t * (size_t)c->hidden);
  m->xn = malloc(sizeof(float) * t * (size_t)c->hidden);
  m->proj = malloc(sizeof(float) * t * (size_t)c->hidden);
  m->qkv = malloc(sizeof(float) * t * (size_t)qkv_rows);
  m->attn = malloc(sizeof(float) * t * (size_t)(c->heads * hd));
  m->act = malloc(sizeof(float) * t * (size_t)c->intermediate);
  m->pool = sc_pool_create(threads);
  int ok = m->layers && m->inv_freq && m->x && m->xn && m->proj && m->qkv && m->attn && m->act && m->pool;
  for (int i = 0; ok && i < SC_SMALL_STEP; i++)
    ok = sc_q8_init(&m->a_hidden[i], c->hidden) == 0 && sc_q8_init(&m->a_attn[i], c->heads * hd) == 0 && sc_q8_init(&m->a_inter[i], c->intermediate) == 0;
  if (!ok) {
    sc_model_destroy(m);
    return NULL;
  }
  /* In float32 as HF computes them (model/llamaMath.ts ropeInvFreq), so positions rotate as the graphs rotate them. */
  for (int i = 0; i < hd / 2; i++) {
    float exponent = (float)(2 * i) / (float)hd;
    m->inv_freq[i] = (float)(1.0 / (double)(float)pow((double)c->rope_theta, (double)exponent));
  }
  return m;
}

void sc_model_destroy(sc_model *m) {
  if (!m) return;
  if (m->layers) {
    for (int i = 0; i < m->c.layers; i++) {
      sc_layer *l = &m->layers[i];
      free(l->input_norm);
      free(l->post_norm);
      sc_q4_free(&l->qkv);
      sc_q4_free(&l->o);
      sc_q4_free(&l->gate_up);
      sc_q4_free(&l->down);
    }
  }
  sc_q4_free(&m->head);
  free(m->table8.q);
  free(m->table8.d);
  free(m->table8.m);
  sc_pool_destroy(m->pool);
  free_chunk(m);
  sc_lanes_free(&m->l_hidden);
  sc_lanes_free(&m->l_attn);
  sc_lanes_free(&m->l_inter);
  for (int i = 0; i < SC_SMALL_STEP; i++) {
    sc_q8_free(&m->a_hidden[i]);
    sc_q8_free(&m->a_attn[i]);
    sc_q8_free(&m->a_inter[i]);
  }
  free(m->layers);
  free(m->final_norm);
  free(m->inv_freq);
  free(m->x);
  free(m->xn);
  free(m->proj);
  free(m->qkv);
  free(m->attn);
  free(m->act);
  free(m->scores);
  free(m);
}

sc_layer *sc_model_layer(sc_model *m, int i) { return &m->layers[i]; }
float *sc_model_final_norm(sc_model *m) {
  if (!m->final_norm) m->final_norm = calloc((size_t)m->c.hidden, sizeof(float));
  return m->final_norm;
}
sc_q4 *sc_model_head(sc_model *m) { return &m->head; }
sc_table8 *sc_model_table8(sc_model *m) { return &m->table8; }
const sc_config *sc_model_config(const sc_model *m) { return &m->c; }
int sc_model_threads(const sc_model *m) { return sc_pool_threads(m->pool); }

uint64_t sc_model_weight_bytes(const sc_model *m) {
  uint64_t total = sc_q4_bytes(&m->head);
  if (m->table8.q) total += (uint64_t)m->table8.n * (m->table8.k + m->table8.nb * (m->table8.m ? 8 : 4));
  for (int i = 0; i < m->c.layers; i++) {
    const sc_layer *l = &m->layers[i];
    total += sc_q4_bytes(&l->qkv) + sc_q4_bytes(&l->o) + sc_q4_bytes(&l->gate_up) + sc_q4_bytes(&l->down);
  }
  return total;
}

typedef struct {
  const sc_q4 *w;
  const sc_q8 *a; /* one per token */
  int tokens;
  float *out;     /* [tokens][w->n] (gate/up: [tokens][w->n / 2]) */
} gemm_task;

/* Rows split evenly across threads. */
static void run_gemm(void *ctx, int ith, int nth) {
  const gemm_task *t = ctx;
  int n = t->w->n;
  int r0 = (int)((long long)n * ith / nth), r1 = (int)((long long)n * (ith + 1) / nth);
  if (r0 < r1) sc_q4_gemm(t->w, t->a, t->tokens, t->out + r0, (size_t)n, r0, r1);
}

#define GATE_CHUNK 256

static void silu_mul(const float *gate, const float *up, float *out, int n);

/* Gate row i and up row i go to the same thread, which applies SiLU(gate) · up itself. */
static void run_gate_up(void *ctx, int ith, int nth) {
  const gemm_task *t = ctx;
  int n = t->w->n / 2;
  int r0 = (int)((long long)n * ith / nth), r1 = (int)((long long)n * (ith + 1) / nth);
  if (r0 >= r1) return;
  /* Rows r..e of gate and of up for every token, [token][GATE_CHUNK]. */
  float gate[SC_SMALL_STEP * GATE_CHUNK], up[SC_SMALL_STEP * GATE_CHUNK];
  for (int r = r0; r < r1; r += GATE_CHUNK) {
    int e = r + GATE_CHUNK < r1 ? r + GATE_CHUNK : r1;
    sc_q4_gemm(t->w, t->a, t->tokens, gate, GATE_CHUNK, r, e);
    sc_q4_gemm(t->w, t->a, t->tokens, up, GATE_CHUNK, n + r, n + e);
    for (int s = 0; s < t->tokens; s++) silu_mul(gate + s * GATE_CHUNK, up + s * GATE_CHUNK, t->out + (size_t)s * n + r, e - r);
  }
}

static void rms_norm_scalar(const float *x, const float *w, float *out, int n, float eps) {
  double sum = 0;
  for (int i = 0; i < n; i++) sum += (double)x[i] * x[i];
  float inv = (float)(1.0 / sqrt(sum / n + eps));
  for (int i = 0; i < n; i++) out[i] = x[i] * inv * w[i];
}

/* SiLU(gate) · up, out[i] for i in [0, n). */
static void silu_mul_scalar(const float *gate, const float *up, float *out, int n) {
  for (int i = 0; i < n; i++) out[i] = gate[i] / (1.0f + expf(-gate[i])) * up[i];
}

#ifdef SC_X86
/* The same sums in double, four lanes at a time, so prompt chunks and single steps agree. */
static X86_AVX2 void rms_norm_avx2(const float *x, const float *w, float *out, int n, float eps) {
  __m256d a = _mm256_setzero_pd(), b = a;
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256d lo = _mm256_cvtps_pd(_mm_loadu_ps(x + i)), hi = _mm256_cvtps_pd(_mm_loadu_ps(x + i + 4));
    a = _mm256_fmadd_pd(lo, lo, a);
    b = _mm256_fmadd_pd(hi, hi, b);
  }
  double parts[4];
  _mm256_storeu_pd(parts, _mm256_add_pd(a, b));
  double sum = parts[0] + parts[1] + parts[2] + parts[3];
  for (; i < n; i++) sum += (double)x[i] * x[i];
  float inv = (float)(1.0 / sqrt(sum / n + eps));
  __m256 v = _mm256_set1_ps(inv);
  for (i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), v), _mm256_loadu_ps(w + i)));
  for (; i < n; i++) out[i] = x[i] * inv * w[i];
}

static X86_AVX2 void silu_mul_avx2(const float *gate, const float *up, float *out, int n) {
  int i = 0;
  __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
  for (; i + 8 <= n; i += 8) {
    __m256 g = _mm256_loadu_ps(gate + i);
    __m256 e = sc_exp8(_mm256_sub_ps(zero, g));
    _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_div_ps(g, _mm256_add_ps(one, e)), _mm256_loadu_ps(up + i)));
  }
  silu_mul_scalar(gate + i, up + i, out + i, n - i);
}
#endif

static void rms_norm(const float *x, const float *w, float *out, int n, float eps) {
#ifdef SC_X86
  if (sc_cpu_avx2()) {
    rms_norm_avx2(x, w, out, n, eps);
    return;
  }
#endif
  rms_norm_scalar(x, w, out, n, eps);
}

static void silu_mul(const float *gate, const float *up, float *out, int n) {
#ifdef SC_X86
  if (sc_cpu_avx2()) {
    silu_mul_avx2(gate, up, out, n);
    return;
  }
#endif
  silu_mul_scalar(gate, up, out, n);
}

/* Rotates each head's halves (HF Llama's rotate_half). */
static void rope(float *v, int heads, int hd, const float *cos_t, const float *sin_t) {
  int half = hd / 2;
  for (int h = 0; h < heads; h++) {
    float *x = v + h * hd;
    for (int i = 0; i < half; i++) {
      float a = x[i], b = x[i + half];
      x[i] = a * cos_t[i] - b * sin_t[i];
      x[i + half] = b * cos_t[i] + a * sin_t[i];
    }
  }
}

static void embed(const sc_model *m, int token, float *x) {
  if (m->table8.q) {
    const sc_table8 *t = &m->table8;
    for (int b = 0; b < t->nb; b++) {
      size_t at = (size_t)token * t->nb + b;
      float d = t->d[at], off = t->m ? t->m[at] : 0.0f;
      for (int i = 0; i < SC_BLOCK; i++) x[b * SC_BLOCK + i] = (float)t->q[(size_t)token * t->k + b * SC_BLOCK + i] * d + off;
    }
  } else {
    sc_q4_row(&m->head, token, x);
  }
}

/* Grows the long-step scratch to `count` tokens; 0, or -2 when out of memory. */
static int reserve_chunk(sc_model *m, int count, int capacity) {
  const sc_config *c = &m->c;
  int hd = c->head_dim, qrows = c->heads * hd, qkv_rows = qrows + 2 * c->kv_heads * hd, H = c->hidden, I = c->intermediate;
  sc_kv shape = {c->kv_heads, hd, capacity, NULL, NULL, NULL, NULL};
  size_t scores = (size_t)sc_pool_threads(m->pool) * sc_attention_chunk_scratch(&shape, c->heads);
  if (m->scores_capacity < (long long)scores) {
    float *grown = realloc(m->scores, sizeof(float) * scores);
    if (!grown) return -2;
    m->scores = grown;
    m->scores_capacity = (long long)scores;
  }
  if (count > m->chunk_tokens) {
    free_chunk(m);
    size_t t = (size_t)count;
    m->cx = malloc(sizeof(float) * t * H);
    m->cxn = malloc(sizeof(float) * t * H);
    m->cqkv = malloc(sizeof(float) * t * qkv_rows);
    m->cattn = malloc(sizeof(float) * t * qrows);
    m->cproj = malloc(sizeof(float) * t * H);
    m->cact = malloc(sizeof(float) * t * I);
    m->crope = malloc(sizeof(float) * t * hd);
    m->chunk_tokens = m->cx && m->cxn && m->cqkv && m->cattn && m->cproj && m->cact && m->crope ? count : 0;
    if (!m->chunk_tokens) return -2;
  }
  if (sc_lanes_reserve(&m->l_hidden, count, H) || sc_lanes_reserve(&m->l_attn, count, qrows) || sc_lanes_reserve(&m->l_inter, count, I)) return -2;
  sc_lanes_pad(&m->l_hidden);
  sc_lanes_pad(&m->l_attn);
  sc_lanes_pad(&m->l_inter);
  return 0;
}

typedef struct {
  const sc_q4 *w;
  const sc_lanes *a;
  float *out;
  size_t ldo;
  atomic_int failed;
} lanes_task;

/* Rows split across threads in fours, the kernels' tile. */
static void run_lanes(void *ctx, int ith, int nth) {
  lanes_task *t = ctx;
  int quads = (t->w->n + 3) / 4;
  int r0 = quads * ith / nth * 4, r1 = quads * (ith + 1) / nth * 4;
  r1 = r1 < t->w->n ? r1 : t->w->n;
  if (r0 < r1 && sc_lanes_gemm(t->w, t->a, t->out + r0, t->ldo, r0, r1) != 0) atomic_store(&t->failed, 1);
}

#define LANE_GATE_CHUNK 64

/* As run_gate_up: gate and up rows of one range on one thread, SiLU(gate) · up into out. */
static void run_lanes_gate_up(void *ctx, int ith, int nth) {
  lanes_task *t = ctx;
  int n = t->w->n / 2, tokens = t->a->tokens, quads = (n + 3) / 4;
  int r0 = quads * ith / nth * 4, r1 = quads * (ith + 1) / nth * 4;
  r1 = r1 < n ? r1 : n;
  if (r0 >= r1) return;
  float *gate = malloc(sizeof(float) * 2 * LANE_GATE_CHUNK * (size_t)tokens), *up = gate + LANE_GATE_CHUNK * (size_t)tokens;
  if (!gate) {
    atomic_store(&t->failed, 1);
    return;
  }
  for (int r = r0; r < r1; r += LANE_GATE_CHUNK) {
    int e = r + LANE_GATE_CHUNK < r1 ? r + LANE_GATE_CHUNK : r1;
    if (sc_lanes_gemm(t->w, t->a, gate, LANE_GATE_CHUNK, r, e) || sc_lanes_gemm(t->w, t->a, up, LANE_GATE_CHUNK, n + r, n + e)) {
      atomic_store(&t->failed, 1);
      break;
    }
    for (int s = 0; s < tokens; s++) silu_mul(gate + s * LANE_GATE_CHUNK, up + s * LANE_GATE_CHUNK, t->out + (size_t)s * n + r, e - r);
  }
  free(gate);
}

/* Per token rows: x += add (when add), xn = RMSNorm(x) (when norm), then the normed (or plain)
 * row rounded into `lanes`. */
typedef struct {
  float *x;
  const float *add;
  const float *norm;
  float *xn;
  sc_lanes *lanes;
  int width, count;
  float eps;
} rows_task;

static void run_rows(void *ctx, int ith, int nth) {
  const rows_task *t = ctx;
  int s0 = t->count * ith / nth, s1 = t->count * (ith + 1) / nth;
  for (int s = s0; s < s1; s++) {
    float *x = t->x + (size_t)s * t->width;
    if (t->add) {
      const float *add = t->add + (size_t)s * t->width;
      for (int i = 0; i < t->width; i++) x[i] += add[i];
    }
    if (t->norm) {
      float *xn = t->xn + (size_t)s * t->width;
      rms_norm(x, t->norm, xn, t->width, t->eps);
      x = xn;
    }
    if (t->lanes) sc_lanes_quantize(t->lanes, s, x);
  }
}

/* Rotates each token's queries and keys and writes its keys and values into the cache. */
typedef struct {
  const sc_model *m;
  const sc_kv *kv;
  float *qkv;
  int count, position;
} rope_task;

static void run_rope(void *ctx, int ith, int nth) {
  const rope_task *t = ctx;
  const sc_config *c = &t->m->c;
  int hd = c->head_dim, qrows = c->heads * hd, kvrows = c->kv_heads * hd, qkv_rows = qrows + 2 * kvrows;
  int s0 = t->count * ith / nth, s1 = t->count * (ith + 1) / nth;
  for (int s = s0; s < s1; s++) {
    float *q = t->qkv + (size_t)s * qkv_rows, *k = q + qrows, *v = k + kvrows;
    const float *cos_t = t->m->crope + (size_t)s * hd, *sin_t = cos_t + hd / 2;
    rope(q, c->heads, hd, cos_t, sin_t);
    rope(k, c->kv_heads, hd, cos_t, sin_t);
    sc_kv_append(t->kv, t->position + s, k, v);
  }
}

/* A prompt chunk: the same arithmetic as the short step (the activations' codes and scales are
 * the same block for block), with every matrix read once for all tokens by the lane kernels. */
static int chunk_step(sc_model *m, const sc_kv *kv, const int *tokens, int count, int position, float *logits) {
  const sc_config *c = &m->c;
  int hd = c->head_dim, qrows = c->heads * hd, kvrows = c->kv_heads * hd, qkv_rows = qrows + 2 * kvrows, H = c->hidden, I = c->intermediate;
  if (reserve_chunk(m, count, kv[0].capacity) != 0) return -2;
  for (int s = 0; s < count; s++) {
    float *cos_t = m->crope + (size_t)s * hd, *sin_t = cos_t + hd / 2;
    for (int i = 0; i < hd / 2; i++) {
      float angle = (float)(position + s) * m->inv_freq[i];
      cos_t[i] = (float)cos((double)angle);
      sin_t[i] = (float)sin((double)angle);
    }
    embed(m, tokens[s], m->cx + (size_t)s * H);
  }
  int failed = 0;
  /* Each layer's down projection joins the residual in the next layer's first pass. */
  const float *pending = NULL;
  for (int li = 0; li < c->layers; li++) {
    const sc_layer *l = &m->layers[li];
    rows_task in = {m->cx, pending, l->input_norm, m->cxn, &m->l_hidden, H, count, c->eps};
    sc_pool_run(m->pool, run_rows, &in);
    lanes_task qkv = {&l->qkv, &m->l_hidden, m->cqkv, (size_t)qkv_rows, 0};
    sc_pool_run(m->pool, run_lanes, &qkv);
    rope_task rt = {m, &kv[li], m->cqkv, count, position};
    sc_pool_run(m->pool, run_rope, &rt);
    sc_chunk_attention at = {&kv[li], c->heads, position, count, m->cqkv, (size_t)qkv_rows, m->scores, m->cattn, (size_t)qrows};
    sc_pool_run(m->pool, sc_attention_chunk, &at);
    rows_task aq = {m->cattn, NULL, NULL, NULL, &m->l_attn, qrows, count, c->eps};
    sc_pool_run(m->pool, run_rows, &aq);
    lanes_task o = {&l->o, &m->l_attn, m->cproj, (size_t)H, 0};
    sc_pool_run(m->pool, run_lanes, &o);
    rows_task post = {m->cx, m->cproj, l->post_norm, m->cxn, &m->l_hidden, H, count, c->eps};
    sc_pool_run(m->pool, run_rows, &post);
    lanes_task gu = {&l->gate_up, &m->l_hidden, m->cact, (size_t)I, 0};
    sc_pool_run(m->pool, run_lanes_gate_up, &gu);
    rows_task iq = {m->cact, NULL, NULL, NULL, &m->l_inter, I, count, c->eps};
    sc_pool_run(m->pool, run_rows, &iq);
    lanes_task down = {&l->down, &m->l_inter, m->cproj, (size_t)H, 0};
    sc_pool_run(m->pool, run_lanes, &down);
    pending = m->cproj;
    failed |= atomic_load(&qkv.failed) | atomic_load(&o.failed) | atomic_load(&gu.failed) | atomic_load(&down.failed);
  }
  if (failed) return -2;
  rows_task res = {m->cx, pending, NULL, NULL, NULL, H, count, c->eps};
  sc_pool_run(m->pool, run_rows, &res);
  rms_norm(m->cx + (size_t)(count - 1) * H, m->final_norm, m->xn, H, c->eps);
  sc_q8_quantize(&m->a_hidden[0], m->xn);
  gemm_task head = {&m->head, m->a_hidden, 1, logits};
  sc_pool_run(m->pool, run_gemm, &head);
  return 0;
}

int sc_model_step(sc_model *m, const sc_kv *kv, const int *tokens, int count, int position, float *logits) {
  const sc_config *c = &m->c;
  int hd = c->head_dim, qrows = c->heads * hd, kvrows = c->kv_heads * hd, qkv_rows = qrows + 2 * kvrows, H = c->hidden;
  if (count < 1 || count > SC_MAX_TOKENS || position < 0) return -1;
  for (int s = 0; s < count; s++)
    if (tokens[s] < 0 || tokens[s] >= c->vocab) return -1;
  for (int i = 0; i < c->layers; i++)
    if (position + count > kv[i].capacity) return -1;
  if (count > SC_SMALL_STEP) return chunk_step(m, kv, tokens, count, position, logits);
  long long needed = (long long)c->heads * kv[0].capacity;
  if (m->scores_capacity < needed) {
    float *scores = realloc(m->scores, sizeof(float) * (size_t)needed);
    if (!scores) return -2;
    m->scores = scores;
    m->scores_capacity = needed;
  }
  /* Rotations of each token's position, in float32 as HF computes them. */
  float cos_t[SC_SMALL_STEP][256], sin_t[SC_SMALL_STEP][256];
  for (int s = 0; s < count; s++) {
    for (int i = 0; i < hd / 2; i++) {
      float angle = (float)(position + s) * m->inv_freq[i];
      cos_t[s][i] = (float)cos((double)angle);
      sin_t[s][i] = (float)sin((double)angle);
    }
  }
  for (int s = 0; s < count; s++) embed(m, tokens[s], m->x + (size_t)s * H);
  for (int li = 0; li < c->layers; li++) {
    const sc_layer *l = &m->layers[li];
    for (int s = 0; s < count; s++) {
      rms_norm(m->x + (size_t)s * H, l->input_norm, m->xn + (size_t)s * H, H, c->eps);
      sc_q8_quantize(&m->a_hidden[s], m->xn + (size_t)s * H);
    }
    gemm_task qkv = {&l->qkv, m->a_hidden, count, m->qkv};
    sc_pool_run(m->pool, run_gemm, &qkv);
    /* Every new row goes into the cache first: token s reads positions up to its own. */
    for (int s = 0; s < count; s++) {
      float *q = m->qkv + (size_t)s * qkv_rows, *k = q + qrows, *v = k + kvrows;
      rope(q, c->heads, hd, cos_t[s], sin_t[s]);
      rope(k, c->kv_heads, hd, cos_t[s], sin_t[s]);
      sc_kv_append(&kv[li], position + s, k, v);
    }
    for (int s = 0; s < count; s++) {
      sc_attention at = {&kv[li], c->heads, position + s + 1, m->qkv + (size_t)s * qkv_rows, m->scores, m->attn + (size_t)s * qrows};
      sc_pool_run(m->pool, sc_attention_scores, &at);
      sc_pool_run(m->pool, sc_attention_softmax, &at);
      sc_pool_run(m->pool, sc_attention_values, &at);
      sc_q8_quantize(&m->a_attn[s], at.out);
    }
    gemm_task o = {&l->o, m->a_attn, count, m->proj};
    sc_pool_run(m->pool, run_gemm, &o);
    for (int s = 0; s < count; s++) {
      float *x = m->x + (size_t)s * H, *p = m->proj + (size_t)s * H;
      for (int i = 0; i < H; i++) x[i] += p[i];
      rms_norm(x, l->post_norm, m->xn + (size_t)s * H, H, c->eps);
      sc_q8_quantize(&m->a_hidden[s], m->xn + (size_t)s * H);
    }
    gemm_task gu = {&l->gate_up, m->a_hidden, count, m->act};
    sc_pool_run(m->pool, run_gate_up, &gu);
    for (int s = 0; s < count; s++) sc_q8_quantize(&m->a_inter[s], m->act + (size_t)s * c->intermediate);
    gemm_task down = {&l->down, m->a_inter, count, m->proj};
    sc_pool_run(m->pool, run_gemm, &down);
    for (int s = 0; s < count; s++) {
      float *x = m->x + (size_t)s * H, *p = m->proj + (size_t)s * H;
      for (int i = 0; i < H; i++) x[i] += p[i];
    }
  }
  /* Logits of the last token only. */
  const float *last = m->x + (size_t)(count - 1) * H;
  rms_norm(last, m->final_norm, m->xn, H, c->eps);
  sc_q8_quantize(&m->a_hidden[0], m->xn);
  gemm_task head = {&m->head, m->a_hidden, 1, logits};
  sc_pool_run(m->pool, run_gemm, &head);
  return 0;
}
