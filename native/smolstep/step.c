#include "step.h"

#include <math.h>
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
  int scores_capacity;
  sc_q8 a_hidden[SC_MAX_TOKENS], a_attn[SC_MAX_TOKENS], a_inter[SC_MAX_TOKENS];
};

sc_model *sc_model_create(const sc_config *c, int threads) {
  sc_model *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  m->c = *c;
  int hd = c->head_dim, qkv_rows = (c->heads + 2 * c->kv_heads) * hd;
  m->layers = calloc((size_t)c->layers, sizeof(sc_layer));
  m->inv_freq = malloc(sizeof(float) * (size_t)(hd / 2));
  size_t t = SC_MAX_TOKENS;
  m->x = malloc(sizeof(float) * t * (size_t)c->hidden);
  m->xn = malloc(sizeof(float) * t * (size_t)c->hidden);
  m->proj = malloc(sizeof(float) * t * (size_t)c->hidden);
  m->qkv = malloc(sizeof(float) * t * (size_t)qkv_rows);
  m->attn = malloc(sizeof(float) * t * (size_t)(c->heads * hd));
  m->act = malloc(sizeof(float) * t * (size_t)c->intermediate);
  m->pool = sc_pool_create(threads);
  int ok = m->layers && m->inv_freq && m->x && m->xn && m->proj && m->qkv && m->attn && m->act && m->pool;
  for (int i = 0; ok && i < SC_MAX_TOKENS; i++)
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
  for (int i = 0; i < SC_MAX_TOKENS; i++) {
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

/* Gate row i and up row i go to the same thread, which applies SiLU(gate) · up itself. */
static void run_gate_up(void *ctx, int ith, int nth) {
  const gemm_task *t = ctx;
  int n = t->w->n / 2;
  int r0 = (int)((long long)n * ith / nth), r1 = (int)((long long)n * (ith + 1) / nth);
  if (r0 >= r1) return;
  /* Rows r..e of gate and of up for every token, [token][GATE_CHUNK]. */
  float gate[SC_MAX_TOKENS * GATE_CHUNK], up[SC_MAX_TOKENS * GATE_CHUNK];
  for (int r = r0; r < r1; r += GATE_CHUNK) {
    int e = r + GATE_CHUNK < r1 ? r + GATE_CHUNK : r1;
    sc_q4_gemm(t->w, t->a, t->tokens, gate, GATE_CHUNK, r, e);
    sc_q4_gemm(t->w, t->a, t->tokens, up, GATE_CHUNK, n + r, n + e);
    for (int s = 0; s < t->tokens; s++) {
      for (int i = r; i < e; i++) {
        float g = gate[s * GATE_CHUNK + i - r];
        t->out[(size_t)s * n + i] = g / (1.0f + expf(-g)) * up[s * GATE_CHUNK + i - r];
      }
    }
  }
}

static void rms_norm(const float *x, const float *w, float *out, int n, float eps) {
  double sum = 0;
  for (int i = 0; i < n; i++) sum += (double)x[i] * x[i];
  float inv = (float)(1.0 / sqrt(sum / n + eps));
  for (int i = 0; i < n; i++) out[i] = x[i] * inv * w[i];
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

int sc_model_step(sc_model *m, const sc_kv *kv, const int *tokens, int count, int position, float *logits) {
  const sc_config *c = &m->c;
  int hd = c->head_dim, qrows = c->heads * hd, kvrows = c->kv_heads * hd, qkv_rows = qrows + 2 * kvrows, H = c->hidden;
  if (count < 1 || count > SC_MAX_TOKENS || position < 0) return -1;
  for (int s = 0; s < count; s++)
    if (tokens[s] < 0 || tokens[s] >= c->vocab) return -1;
  for (int i = 0; i < c->layers; i++)
    if (position + count > kv[i].capacity) return -1;
  int capacity = kv[0].capacity;
  if (m->scores_capacity < capacity) {
    float *scores = realloc(m->scores, sizeof(float) * (size_t)c->heads * capacity);
    if (!scores) return -2;
    m->scores = scores;
    m->scores_capacity = capacity;
  }
  /* Rotations of each token's position, in float32 as HF computes them. */
  float cos_t[SC_MAX_TOKENS][256], sin_t[SC_MAX_TOKENS][256];
  for (int s = 0; s < count; s++) {
    for (int i = 0; i < hd / 2; i++) {
      float angle = (float)(position + s) * m->inv_freq[i];
      cos_t[s][i] = (float)cos((double)angle);
      sin_t[s][i] = (float)sin((double)angle);
    }
  }
  for (int s = 0; s < count; s++) {
    float *x = m->x + (size_t)s * H;
    if (m->table8.q) {
      const sc_table8 *t = &m->table8;
      for (int b = 0; b < t->nb; b++) {
        size_t at = (size_t)tokens[s] * t->nb + b;
        float d = t->d[at], off = t->m ? t->m[at] : 0.0f;
        for (int i = 0; i < SC_BLOCK; i++) x[b * SC_BLOCK + i] = (float)t->q[(size_t)tokens[s] * t->k + b * SC_BLOCK + i] * d + off;
      }
    } else {
      sc_q4_row(&m->head, tokens[s], x);
    }
  }
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
