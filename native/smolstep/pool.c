#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ __volatile__("yield")
#else
#define CPU_RELAX() ((void)0)
#endif

/* How long a worker spins for the next task before it sleeps: longer than the gaps inside a
 * step and between the steps of one generation, far shorter than a pause in typing. */
#define SPIN_NS 2000000LL

struct sc_pool {
  int nth;
  pthread_t *threads;
  atomic_uint generation;
  atomic_int pending;
  atomic_int stop;
  sc_task task;
  void *ctx;
  pthread_mutex_t mutex;
  pthread_cond_t wake;
  int sleepers; /* guarded by mutex */
};

typedef struct {
  sc_pool *pool;
  int ith;
} worker_arg;

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static unsigned wait_generation(sc_pool *pool, unsigned seen) {
  long long start = now_ns();
  for (unsigned spins = 0;; spins++) {
    unsigned g = atomic_load_explicit(&pool->generation, memory_order_acquire);
    if (g != seen) return g;
    CPU_RELAX();
    if ((spins & 1023) == 1023 && now_ns() - start > SPIN_NS) break;
  }
  pthread_mutex_lock(&pool->mutex);
  pool->sleepers++;
  unsigned g;
  while ((g = atomic_load_explicit(&pool->generation, memory_order_acquire)) == seen) pthread_cond_wait(&pool->wake, &pool->mutex);
  pool->sleepers--;
  pthread_mutex_unlock(&pool->mutex);
  return g;
}

static void *worker_main(void *raw) {
  worker_arg arg = *(worker_arg *)raw;
  free(raw);
  sc_pool *pool = arg.pool;
  unsigned seen = 0;
  for (;;) {
    seen = wait_generation(pool, seen);
    if (atomic_load(&pool->stop)) return NULL;
    pool->task(pool->ctx, arg.ith, pool->nth);
    atomic_fetch_sub_explicit(&pool->pending, 1, memory_order_release);
  }
}

sc_pool *sc_pool_create(int threads) {
  if (threads < 1) threads = 1;
  sc_pool *pool = calloc(1, sizeof *pool);
  if (!pool) return NULL;
  pool->nth = threads;
  pthread_mutex_init(&pool->mutex, NULL);
  pthread_cond_init(&pool->wake, NULL);
  pool->threads = calloc((size_t)threads, sizeof(pthread_t));
  for (int i = 1; i < threads; i++) {
    worker_arg *arg = malloc(sizeof *arg);
    arg->pool = pool;
    arg->ith = i;
    if (pthread_create(&pool->threads[i], NULL, worker_main, arg) != 0) {
      free(arg);
      pool->nth = i;
      break;
    }
  }
  return pool;
}

int sc_pool_threads(const sc_pool *pool) { return pool->nth; }

static void publish(sc_pool *pool) {
  atomic_fetch_add_explicit(&pool->generation, 1, memory_order_acq_rel);
  pthread_mutex_lock(&pool->mutex);
  if (pool->sleepers > 0) pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->mutex);
}

void sc_pool_run(sc_pool *pool, sc_task task, void *ctx) {
  if (pool->nth == 1) {
    task(ctx, 0, 1);
    return;
  }
  pool->task = task;
  pool->ctx = ctx;
  atomic_store_explicit(&pool->pending, pool->nth - 1, memory_order_relaxed);
  publish(pool);
  task(ctx, 0, pool->nth);
  while (atomic_load_explicit(&pool->pending, memory_order_acquire) > 0) CPU_RELAX();
}

void sc_pool_destroy(sc_pool *pool) {
  if (!pool) return;
  atomic_store(&pool->stop, 1);
  publish(pool);
  for (int i = 1; i < pool->nth; i++) pthread_join(pool->threads[i], NULL);
  pthread_mutex_destroy(&pool->mutex);
  pthread_cond_destroy(&pool->wake);
  free(pool->threads);
  free(pool);
}
