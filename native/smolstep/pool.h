/*
 * A fixed set of threads that run one task together and wait for each other at its end.
 * Workers spin briefly between tasks (a decode step starts dozens of tasks a few microseconds
 * apart) and then sleep, so an idle editor costs no CPU.
 */
#ifndef SMOLSTEP_POOL_H
#define SMOLSTEP_POOL_H

typedef void (*sc_task)(void *ctx, int ith, int nth);

typedef struct sc_pool sc_pool;

sc_pool *sc_pool_create(int threads);
void sc_pool_destroy(sc_pool *pool);
int sc_pool_threads(const sc_pool *pool);
/* Runs task(ctx, i, n) on every thread i of n (the caller is thread 0) and returns when all are done. */
void sc_pool_run(sc_pool *pool, sc_task task, void *ctx);

#endif
