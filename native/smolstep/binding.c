/*
 * Node-API binding of the decode step (src/runtime/nativeDecoder.ts is its only caller):
 *   create(config, threads) -> model
 *   setLayer(model, i, inputNorm, postNorm, qkv, o, gateUp, down)   matrices as {n, k, packed, scales, offsets?}
 *   setHead(model, finalNorm, head)
 *   setTable8(model, table)                                          {n, k, packed, scales, offsets?}: 8-bit embedding blocks
 *   step(model, tokens, position, caches, capacity, logits)         tokens: Int32Array of 1-16; caches: [key, keyScale, value, valueScale] per layer
 *   save(model, path)                                                weights cache file (store.c)
 *   load(path, config, threads) -> model                             throws when the file is missing, foreign or for another config
 *   info(model) -> {kernel, weightBytes, threads}
 *   kernel() -> string                                                 the kernel steps run on (avx512-vnni | avx2 | scalar)
 *   useKernel(name) -> boolean                                        avx512-vnni | avx2 | scalar, process-wide (tests)
 *   release(model)
 * Weights are copied (repacked) into the model; caches and logits are the caller's typed arrays,
 * read and written in place. Every argument is checked: a wrong one throws, never crashes.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "step.h"

#define MAX_LAYERS 512

typedef struct {
  sc_model *model;
  int *ready; /* which layers have weights */
  int head_ready;
} handle;

static napi_value fail(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

#define CHECK(call)                                            \
  do {                                                         \
    if ((call) != napi_ok) return fail(env, "smolstep: " #call); \
  } while (0)

/* The call's first `count` arguments into argv; false, with an exception pending, when fewer came. */
static bool arguments(napi_env env, napi_callback_info info, size_t count, napi_value *argv, const char *usage) {
  size_t argc = count;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < count) {
    napi_throw_error(env, NULL, usage);
    return false;
  }
  return true;
}

/* An optional Float32Array property of `length` values: NULL in *out when absent or undefined;
 * false when present but of another type or length. */
static bool optional_floats(napi_env env, napi_value object, const char *name, long long length, const float **out);

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  handle *h = data;
  sc_model_destroy(h->model);
  free(h->ready);
  free(h);
}

static handle *get_handle(napi_env env, napi_value value) {
  handle *h = NULL;
  if (napi_get_value_external(env, value, (void **)&h) != napi_ok || !h) {
    napi_throw_type_error(env, NULL, "smolstep: not a model");
    return NULL;
  }
  if (!h->model) {
    napi_throw_error(env, NULL, "smolstep: the model was released");
    return NULL;
  }
  return h;
}

static int get_int(napi_env env, napi_value object, const char *name, int *out) {
  napi_value v;
  if (napi_get_named_property(env, object, name, &v) != napi_ok) return -1;
  int32_t x;
  if (napi_get_value_int32(env, v, &x) != napi_ok) return -1;
  *out = x;
  return 0;
}

static int get_float(napi_env env, napi_value object, const char *name, float *out) {
  napi_value v;
  if (napi_get_named_property(env, object, name, &v) != napi_ok) return -1;
  double x;
  if (napi_get_value_double(env, v, &x) != napi_ok) return -1;
  *out = (float)x;
  return 0;
}

/* The data of a typed array of `type` with exactly `length` elements (or any length when -1). */
static void *typed(napi_env env, napi_value value, napi_typedarray_type type, long long length, size_t *actual) {
  bool is;
  if (napi_is_typedarray(env, value, &is) != napi_ok || !is) return NULL;
  napi_typedarray_type t;
  size_t n;
  void *data;
  if (napi_get_typedarray_info(env, value, &t, &n, &data, NULL, NULL) != napi_ok || t != type) return NULL;
  if (length >= 0 && (long long)n != length) return NULL;
  if (actual) *actual = n;
  return data ? data : (void *)"";
}

/* Reads and checks a config object; returns an error or NULL. */
static const char *read_config(napi_env env, napi_value object, sc_config *out) {
  sc_config c;
  if (get_int(env, object, "hidden", &c.hidden) || get_int(env, object, "intermediate", &c.intermediate) || get_int(env, object, "layers", &c.layers) ||
      get_int(env, object, "heads", &c.heads) || get_int(env, object, "kvHeads", &c.kv_heads) || get_int(env, object, "headDim", &c.head_dim) ||
      get_int(env, object, "vocab", &c.vocab) || get_float(env, object, "eps", &c.eps) || get_float(env, object, "ropeTheta", &c.rope_theta))
    return "smolstep: config needs integer hidden, intermediate, layers, heads, kvHeads, headDim, vocab and numbers eps, ropeTheta";
  if (c.layers < 1 || c.layers > MAX_LAYERS || c.heads < 1 || c.kv_heads < 1 || c.heads % c.kv_heads != 0 || c.head_dim < 16 || c.head_dim % 16 != 0 || c.head_dim > 512 ||
      c.hidden % SC_BLOCK != 0 || c.intermediate % SC_BLOCK != 0 || (c.heads * c.head_dim) % SC_BLOCK != 0 || c.vocab < 1 || c.intermediate > 32768 || c.hidden > 32768 || c.heads * c.head_dim > 32768)
    return "smolstep: unsupported shape (sizes must be multiples of 32, head_dim of 16, heads of kv_heads)";
  *out = c;
  return NULL;
}

static napi_value wrap(napi_env env, sc_model *model, int ready) {
  handle *h = calloc(1, sizeof *h);
  if (!h) {
    sc_model_destroy(model);
    return fail(env, "smolstep: out of memory");
  }
  h->model = model;
  h->ready = calloc((size_t)sc_model_config(model)->layers, sizeof(int));
  if (!h->ready) {
    finalize(env, h, NULL);
    return fail(env, "smolstep: out of memory");
  }
  for (int i = 0; i < sc_model_config(model)->layers; i++) h->ready[i] = ready;
  h->head_ready = ready;
  napi_value out;
  if (napi_create_external(env, h, finalize, NULL, &out) != napi_ok) {
    finalize(env, h, NULL);
    return fail(env, "smolstep: cannot create the model handle");
  }
  return out;
}

static bool optional_floats(napi_env env, napi_value object, const char *name, long long length, const float **out) {
  *out = NULL;
  napi_value v;
  napi_valuetype t = napi_undefined;
  if (napi_get_named_property(env, object, name, &v) != napi_ok || napi_typeof(env, v, &t) != napi_ok || t == napi_undefined) return true;
  *out = typed(env, v, napi_float32_array, length, NULL);
  return *out != NULL;
}

static napi_value create(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!arguments(env, info, 2, argv, "smolstep.create(config, threads)")) return NULL;
  sc_config c;
  const char *error = read_config(env, argv[0], &c);
  if (error) return fail(env, error);
  int threads;
  if (napi_get_value_int32(env, argv[1], &threads) != napi_ok || threads < 1 || threads > 256) return fail(env, "smolstep.create: threads must be 1-256");
  sc_model *model = sc_model_create(&c, threads);
  if (!model) return fail(env, "smolstep: out of memory");
  return wrap(env, model, 0);
}

static napi_value save(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!arguments(env, info, 2, argv, "smolstep.save(model, path)")) return NULL;
  handle *h = get_handle(env, argv[0]);
  if (!h) return NULL;
  char path[4096];
  size_t length;
  if (napi_get_value_string_utf8(env, argv[1], path, sizeof path, &length) != napi_ok || length >= sizeof path - 1) return fail(env, "smolstep.save: path must be a string");
  if (!h->head_ready) return fail(env, "smolstep.save: the model has no head yet");
  if (!sc_model_save(h->model, path)) return fail(env, "smolstep.save: cannot write the weights file");
  return NULL;
}

static napi_value load(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!arguments(env, info, 3, argv, "smolstep.load(path, config, threads)")) return NULL;
  char path[4096];
  size_t length;
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &length) != napi_ok || length >= sizeof path - 1) return fail(env, "smolstep.load: path must be a string");
  sc_config c;
  const char *error = read_config(env, argv[1], &c);
  if (error) return fail(env, error);
  int threads;
  if (napi_get_value_int32(env, argv[2], &threads) != napi_ok || threads < 1 || threads > 256) return fail(env, "smolstep.load: threads must be 1-256");
  sc_model *model = sc_model_load(path, threads);
  if (!model) return fail(env, "smolstep.load: not a weights file of this format");
  const sc_config *got = sc_model_config(model);
  if (memcmp(got, &c, sizeof c) != 0) {
    sc_model_destroy(model);
    return fail(env, "smolstep.load: the weights file is for another model shape");
  }
  return wrap(env, model, 1);
}

/* Reads {n, k, packed, scales, offsets?} into w, which must be `n` x `k`. Returns an error or NULL. */
static const char *read_matrix(napi_env env, napi_value object, int n, int k, sc_q4 *w) {
  int on, ok;
  if (get_int(env, object, "n", &on) || get_int(env, object, "k", &ok)) return "a matrix needs integer n and k";
  if (on != n || ok != k) return "a matrix has the wrong shape for the config";
  long long blocks = (long long)n * (k / SC_BLOCK);
  napi_value v;
  if (napi_get_named_property(env, object, "packed", &v) != napi_ok) return "a matrix needs packed";
  const uint8_t *packed = typed(env, v, napi_uint8_array, blocks * 16, NULL);
  if (napi_get_named_property(env, object, "scales", &v) != napi_ok) return "a matrix needs scales";
  const float *scales = typed(env, v, napi_float32_array, blocks, NULL);
  if (!packed || !scales) return "a matrix's packed (Uint8Array) or scales (Float32Array) has the wrong type or length";
  const float *offsets;
  if (!optional_floats(env, object, "offsets", blocks, &offsets)) return "a matrix's offsets must be a Float32Array of one value per block";
  sc_q4_free(w);
  if (sc_q4_init(w, n, k, packed, scales, offsets) != 0) return "out of memory";
  return NULL;
}

static napi_value set_layer(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  if (!arguments(env, info, 8, argv, "smolstep.setLayer(model, i, inputNorm, postNorm, qkv, o, gateUp, down)")) return NULL;
  handle *h = get_handle(env, argv[0]);
  if (!h) return NULL;
  const sc_config *c = sc_model_config(h->model);
  int i;
  if (napi_get_value_int32(env, argv[1], &i) != napi_ok || i < 0 || i >= c->layers) return fail(env, "smolstep.setLayer: layer index out of range");
  const float *in_norm = typed(env, argv[2], napi_float32_array, c->hidden, NULL);
  const float *post_norm = typed(env, argv[3], napi_float32_array, c->hidden, NULL);
  if (!in_norm || !post_norm) return fail(env, "smolstep.setLayer: norms must be Float32Arrays of hidden size");
  sc_layer *l = sc_model_layer(h->model, i);
  int hd = c->head_dim;
  const char *error = read_matrix(env, argv[4], (c->heads + 2 * c->kv_heads) * hd, c->hidden, &l->qkv);
  if (!error) error = read_matrix(env, argv[5], c->hidden, c->heads * hd, &l->o);
  if (!error) error = read_matrix(env, argv[6], 2 * c->intermediate, c->hidden, &l->gate_up);
  if (!error) error = read_matrix(env, argv[7], c->hidden, c->intermediate, &l->down);
  if (error) {
    char message[160];
    snprintf(message, sizeof message, "smolstep.setLayer %d: %s", i, error);
    return fail(env, message);
  }
  free(l->input_norm);
  free(l->post_norm);
  l->input_norm = malloc(sizeof(float) * (size_t)c->hidden);
  l->post_norm = malloc(sizeof(float) * (size_t)c->hidden);
  if (!l->input_norm || !l->post_norm) return fail(env, "smolstep: out of memory");
  memcpy(l->input_norm, in_norm, sizeof(float) * (size_t)c->hidden);
  memcpy(l->post_norm, post_norm, sizeof(float) * (size_t)c->hidden);
  h->ready[i] = 1;
  return NULL;
}

static napi_value set_head(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!arguments(env, info, 3, argv, "smolstep.setHead(model, finalNorm, head)")) return NULL;
  handle *h = get_handle(env, argv[0]);
  if (!h) return NULL;
  const sc_config *c = sc_model_config(h->model);
  const float *norm = typed(env, argv[1], napi_float32_array, c->hidden, NULL);
  if (!norm) return fail(env, "smolstep.setHead: the final norm must be a Float32Array of hidden size");
  const char *error = read_matrix(env, argv[2], c->vocab, c->hidden, sc_model_head(h->model));
  if (error) {
    char message[160];
    snprintf(message, sizeof message, "smolstep.setHead: %s", error);
    return fail(env, message);
  }
  float *final_norm = sc_model_final_norm(h->model);
  if (!final_norm) return fail(env, "smolstep: out of memory");
  memcpy(final_norm, norm, sizeof(float) * (size_t)c->hidden);
  h->head_ready = 1;
  return NULL;
}

/* MatMulNBits' 8-bit blocks: value = (code - 128) scale + offset. */
static napi_value set_table8(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!arguments(env, info, 2, argv, "smolstep.setTable8(model, table)")) return NULL;
  handle *h = get_handle(env, argv[0]);
  if (!h) return NULL;
  const sc_config *c = sc_model_config(h->model);
  int n, k;
  if (get_int(env, argv[1], "n", &n) || get_int(env, argv[1], "k", &k) || n != c->vocab || k != c->hidden) return fail(env, "smolstep.setTable8: the table must be vocab x hidden");
  int nb = k / SC_BLOCK;
  napi_value v;
  const uint8_t *packed = napi_get_named_property(env, argv[1], "packed", &v) == napi_ok ? typed(env, v, napi_uint8_array, (long long)n * k, NULL) : NULL;
  const float *scales = napi_get_named_property(env, argv[1], "scales", &v) == napi_ok ? typed(env, v, napi_float32_array, (long long)n * nb, NULL) : NULL;
  if (!packed || !scales) return fail(env, "smolstep.setTable8: packed (Uint8Array) or scales (Float32Array) has the wrong type or length");
  const float *offsets;
  if (!optional_floats(env, argv[1], "offsets", (long long)n * nb, &offsets)) return fail(env, "smolstep.setTable8: offsets must be a Float32Array of one value per block");
  sc_table8 *table = sc_model_table8(h->model);
  free(table->q);
  free(table->d);
  free(table->m);
  table->q = malloc((size_t)n * k);
  table->d = malloc(sizeof(float) * (size_t)n * nb);
  table->m = offsets ? malloc(sizeof(float) * (size_t)n * nb) : NULL;
  if (!table->q || !table->d || (offsets && !table->m)) return fail(env, "smolstep: out of memory");
  table->n = n;
  table->k = k;
  table->nb = nb;
  for (size_t i = 0; i < (size_t)n * k; i++) table->q[i] = (int8_t)((int)packed[i] - 128);
  memcpy(table->d, scales, sizeof(float) * (size_t)n * nb);
  if (offsets) memcpy(table->m, offsets, sizeof(float) * (size_t)n * nb);
  return NULL;
}

static napi_value step(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!arguments(env, info, 6, argv, "smolstep.step(model, tokens, position, caches, capacity, logits)")) return NULL;
  handle *h = get_handle(env, argv[0]);
  if (!h) return NULL;
  const sc_config *c = sc_model_config(h->model);
  if (!h->head_ready) return fail(env, "smolstep.step: the model has no head yet");
  for (int i = 0; i < c->layers; i++)
    if (!h->ready[i]) return fail(env, "smolstep.step: a layer has no weights yet");
  int position, capacity;
  size_t count;
  const int32_t *tokens = typed(env, argv[1], napi_int32_array, -1, &count);
  if (!tokens || count < 1 || count > SC_MAX_TOKENS) return fail(env, "smolstep.step: tokens must be an Int32Array of 1 to 1024 ids");
  for (size_t s = 0; s < count; s++)
    if (tokens[s] < 0 || tokens[s] >= c->vocab) return fail(env, "smolstep.step: token out of range");
  if (napi_get_value_int32(env, argv[4], &capacity) != napi_ok || capacity < 1) return fail(env, "smolstep.step: capacity must be a positive integer");
  if (napi_get_value_int32(env, argv[2], &position) != napi_ok || position < 0 || position > capacity - (int)count)
    return fail(env, "smolstep.step: the new positions must lie inside the cache's capacity");
  float *logits = typed(env, argv[5], napi_float32_array, c->vocab, NULL);
  if (!logits) return fail(env, "smolstep.step: logits must be a Float32Array of vocab size");
  bool is_array;
  uint32_t caches;
  if (napi_is_array(env, argv[3], &is_array) != napi_ok || !is_array || napi_get_array_length(env, argv[3], &caches) != napi_ok || caches != (uint32_t)(4 * c->layers))
    return fail(env, "smolstep.step: caches must list key, keyScale, value, valueScale for every layer");
  sc_kv kv[MAX_LAYERS];
  long long codes = (long long)c->kv_heads * c->head_dim * capacity, scales = (long long)c->kv_heads * capacity;
  for (int i = 0; i < c->layers; i++) {
    napi_value parts[4];
    for (int j = 0; j < 4; j++) CHECK(napi_get_element(env, argv[3], (uint32_t)(4 * i + j), &parts[j]));
    kv[i] = (sc_kv){
        c->kv_heads,
        c->head_dim,
        capacity,
        typed(env, parts[0], napi_int8_array, codes, NULL),
        typed(env, parts[1], napi_float32_array, scales, NULL),
        typed(env, parts[2], napi_int8_array, codes, NULL),
        typed(env, parts[3], napi_float32_array, scales, NULL),
    };
    if (!kv[i].key || !kv[i].key_scale || !kv[i].value || !kv[i].value_scale)
      return fail(env, "smolstep.step: a cache is not an 8-bit cache of this capacity (Int8Array codes, Float32Array scales)");
  }
  int rc = sc_model_step(h->model, kv, (const int *)tokens, (int)count, position, logits);
  if (rc == -2) return fail(env, "smolstep.step: out of memory");
  if (rc != 0) return fail(env, "smolstep.step: bad tokens or position");
  return NULL;
}

static napi_value model_info(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = argc < 1 ? NULL : get_handle(env, argv[0]);
  if (!h) return NULL;
  napi_value out, kernel, bytes, threads;
  CHECK(napi_create_object(env, &out));
  CHECK(napi_create_string_utf8(env, sc_q4_kernel(), NAPI_AUTO_LENGTH, &kernel));
  CHECK(napi_create_double(env, (double)sc_model_weight_bytes(h->model), &bytes));
  CHECK(napi_create_int32(env, sc_model_threads(h->model), &threads));
  CHECK(napi_set_named_property(env, out, "kernel", kernel));
  CHECK(napi_set_named_property(env, out, "weightBytes", bytes));
  CHECK(napi_set_named_property(env, out, "threads", threads));
  return out;
}

static napi_value use_kernel(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char name[32];
  size_t length;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &length) != napi_ok) return fail(env, "smolstep.useKernel(name)");
  int ok = sc_q4_use(name) == 0;
  if (ok) sc_attention_vectors(strcmp(name, "scalar") == 0 ? 0 : strcmp(name, "avx2") == 0 ? 1 : 2);
  napi_value out;
  CHECK(napi_get_boolean(env, ok, &out));
  return out;
}

static napi_value kernel(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  CHECK(napi_create_string_utf8(env, sc_q4_kernel(), NAPI_AUTO_LENGTH, &out));
  return out;
}

static napi_value release(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], (void **)&h) != napi_ok || !h) return fail(env, "smolstep.release: not a model");
  sc_model_destroy(h->model);
  h->model = NULL;
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"create", NULL, create, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setLayer", NULL, set_layer, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setHead", NULL, set_head, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setTable8", NULL, set_table8, NULL, NULL, NULL, napi_enumerable, NULL},
      {"step", NULL, step, NULL, NULL, NULL, napi_enumerable, NULL},
      {"save", NULL, save, NULL, NULL, NULL, napi_enumerable, NULL},
      {"load", NULL, load, NULL, NULL, NULL, napi_enumerable, NULL},
      {"info", NULL, model_info, NULL, NULL, NULL, napi_enumerable, NULL},
      {"kernel", NULL, kernel, NULL, NULL, NULL, napi_enumerable, NULL},
      {"useKernel", NULL, use_kernel, NULL, NULL, NULL, napi_enumerable, NULL},
      {"release", NULL, release, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
