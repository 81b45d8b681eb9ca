/* The weights cache file: a header (magic, format version, config), then every array in the
 * order sc_model_step reads them. Native byte order; a file from another machine fails the
 * header check and is rebuilt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "step.h"

#define MAGIC "SMOLSTEP"
#define FORMAT 1u

static int put(FILE *f, const void *p, size_t bytes) { return bytes == 0 || fwrite(p, 1, bytes, f) == bytes; }
static int get(FILE *f, void *p, size_t bytes) { return bytes == 0 || fread(p, 1, bytes, f) == bytes; }

static int put_q4(FILE *f, const sc_q4 *w) {
  int32_t head[3] = {w->n, w->k, w->m != NULL};
  size_t blocks = (size_t)w->n * w->nb;
  return put(f, head, sizeof head) && put(f, w->q, blocks * 16) && put(f, w->d, blocks * 2) && (!w->m || put(f, w->m, blocks * 2));
}

static int get_q4(FILE *f, sc_q4 *w, int n, int k) {
  int32_t head[3];
  if (!get(f, head, sizeof head) || head[0] != n || head[1] != k || k % SC_BLOCK != 0) return 0;
  size_t blocks = (size_t)n * (k / SC_BLOCK);
  w->n = n;
  w->k = k;
  w->nb = k / SC_BLOCK;
  w->q = aligned_alloc(64, (blocks * 16 + 63) / 64 * 64);
  w->d = malloc(blocks * 2);
  w->m = head[2] ? malloc(blocks * 2) : NULL;
  if (!w->q || !w->d || (head[2] && !w->m)) return 0;
  return get(f, w->q, blocks * 16) && get(f, w->d, blocks * 2) && (!w->m || get(f, w->m, blocks * 2));
}

static int put_config(FILE *f, const sc_config *c) {
  int32_t ints[7] = {c->hidden, c->intermediate, c->layers, c->heads, c->kv_heads, c->head_dim, c->vocab};
  float floats[2] = {c->eps, c->rope_theta};
  uint32_t format = FORMAT;
  return put(f, MAGIC, 8) && put(f, &format, 4) && put(f, ints, sizeof ints) && put(f, floats, sizeof floats);
}

int sc_model_save(const sc_model *cm, const char *path) {
  sc_model *m = (sc_model *)cm;
  const sc_config *c = sc_model_config(m);
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  int ok = put_config(f, c);
  for (int i = 0; ok && i < c->layers; i++) {
    const sc_layer *l = sc_model_layer(m, i);
    ok = put(f, l->input_norm, sizeof(float) * (size_t)c->hidden) && put(f, l->post_norm, sizeof(float) * (size_t)c->hidden) && put_q4(f, &l->qkv) && put_q4(f, &l->o) &&
         put_q4(f, &l->gate_up) && put_q4(f, &l->down);
  }
  const sc_table8 *t = sc_model_table8(m);
  int32_t table[2] = {t->q != NULL, t->m != NULL};
  ok = ok && put(f, sc_model_final_norm(m), sizeof(float) * (size_t)c->hidden) && put_q4(f, sc_model_head(m)) && put(f, table, sizeof table);
  if (ok && t->q) {
    size_t blocks = (size_t)t->n * t->nb;
    ok = put(f, t->q, (size_t)t->n * t->k) && put(f, t->d, blocks * 4) && (!t->m || put(f, t->m, blocks * 4));
  }
  ok = fclose(f) == 0 && ok;
  if (!ok) remove(path);
  return ok;
}

sc_model *sc_model_load(const char *path, int threads) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char magic[8];
  uint32_t format;
  int32_t ints[7];
  float floats[2];
  sc_model *m = NULL;
  if (!get(f, magic, 8) || memcmp(magic, MAGIC, 8) != 0 || !get(f, &format, 4) || format != FORMAT || !get(f, ints, sizeof ints) || !get(f, floats, sizeof floats)) goto fail;
  sc_config c = {ints[0], ints[1], ints[2], ints[3], ints[4], ints[5], ints[6], floats[0], floats[1]};
  if (c.layers < 1 || c.layers > 512 || c.hidden < 1 || c.vocab < 1 || c.heads < 1 || c.kv_heads < 1 || c.head_dim < 1) goto fail;
  m = sc_model_create(&c, threads);
  if (!m) goto fail;
  int hd = c.head_dim;
  for (int i = 0; i < c.layers; i++) {
    sc_layer *l = sc_model_layer(m, i);
    l->input_norm = malloc(sizeof(float) * (size_t)c.hidden);
    l->post_norm = malloc(sizeof(float) * (size_t)c.hidden);
    if (!l->input_norm || !l->post_norm || !get(f, l->input_norm, sizeof(float) * (size_t)c.hidden) || !get(f, l->post_norm, sizeof(float) * (size_t)c.hidden)) goto fail;
    if (!get_q4(f, &l->qkv, (c.heads + 2 * c.kv_heads) * hd, c.hidden) || !get_q4(f, &l->o, c.hidden, c.heads * hd) || !get_q4(f, &l->gate_up, 2 * c.intermediate, c.hidden) ||
        !get_q4(f, &l->down, c.hidden, c.intermediate))
      goto fail;
  }
  float *norm = sc_model_final_norm(m);
  int32_t table[2];
  if (!norm || !get(f, norm, sizeof(float) * (size_t)c.hidden) || !get_q4(f, sc_model_head(m), c.vocab, c.hidden) || !get(f, table, sizeof table)) goto fail;
  if (table[0]) {
    sc_table8 *t = sc_model_table8(m);
    t->n = c.vocab;
    t->k = c.hidden;
    t->nb = c.hidden / SC_BLOCK;
    size_t blocks = (size_t)t->n * t->nb;
    t->q = malloc((size_t)t->n * t->k);
    t->d = malloc(blocks * 4);
    t->m = table[1] ? malloc(blocks * 4) : NULL;
    if (!t->q || !t->d || (table[1] && !t->m) || !get(f, t->q, (size_t)t->n * t->k) || !get(f, t->d, blocks * 4) || (t->m && !get(f, t->m, blocks * 4))) goto fail;
  }
  char extra;
  if (fread(&extra, 1, 1, f) != 0) goto fail; /* trailing bytes: not our file */
  fclose(f);
  return m;
fail:
  fclose(f);
  sc_model_destroy(m);
  return NULL;
}
