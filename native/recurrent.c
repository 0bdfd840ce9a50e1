/*
 * The native backend (DESIGN.md §3): an N-API add-on over the csrc/ kernels compiled for this
 * machine. Built at install time by tools/build/native.mjs into native/build/recurrent.node and
 * loaded by src/kernels/native/backend.ts; never required for the package to work.
 *
 *   const mem = addon.attach(view, argsOffset)  // view: Uint8Array over a whole memory.buffer
 *   mem.sgemm()                                 // arguments in the block at argsOffset
 *   mem.refresh(view)                           // after the memory grew; true if byte 0 moved
 *
 * Memory (DESIGN.md §4). Every tensor lives in the heap's one shared `WebAssembly.Memory`. A shared
 * memory reserves its maximum size up front and grows in place, so its backing store never moves
 * (its buffers can never be detached: other threads may be using them; verified on Node 20, see
 * test/kernels/native_gemm.test.ts). attach() takes a Uint8Array over the whole memory once,
 * records the address of byte 0 and the length, and holds a reference to the view, so the backing
 * store outlives this add-on's use of it. Kernels then take byte offsets into that memory, exactly
 * like the wasm module: a call inspects no typed array. After the memory grows, the caller passes
 * the new (longer) buffer object to refresh(): that updates the length the bounds checks use and
 * reports whether the address changed (it cannot for a shared memory; if it ever did, the new
 * address is used from then on).
 *
 * Each attach() returns its own binding, with kernel functions bound to that memory: two copies
 * of the library in one process (two heaps), or a module graph reloaded by a test runner, never
 * share an attachment. A binding's memory is released when its functions are garbage-collected.
 *
 * N-API accepts SharedArrayBuffer-backed typed arrays in napi_get_typedarray_info (on Node 20 the
 * data pointer is that of the shared backing store), while napi_get_arraybuffer_info rejects a
 * SharedArrayBuffer itself, hence a view rather than the buffer.
 *
 * Arguments. A kernel's arguments are not passed as JavaScript values: converting 13 numbers
 * through N-API costs ≈ 170 ns a call, ten times the call itself (measured on Node 20). The caller
 * writes them as float64 into an argument block of ARGS_MAX doubles inside the memory and calls
 * the kernel with no arguments (≈ 16 ns).
 *
 * Safety. An out-of-range offset would be memory corruption here, not a wasm trap, so every kernel
 * checks its arguments (integers in range) and the byte ranges it touches against the attached
 * length, and throws instead.
 *
 * CPU. The kernels are compiled with -march=native; this file is not, so the check below runs on
 * any CPU of the architecture. tools/build/native.mjs passes the instruction sets the kernels were
 * compiled for (RECURRENT_NEED_*); loading the add-on on a CPU without one of them (a copied
 * node_modules, a container image built elsewhere) throws, and the library falls back to wasm
 * instead of dying with SIGILL.
 *
 * Threads. The add-on is context-aware: each Node environment (main thread, each worker) has its
 * own packing workspace (N-API instance data) and its own bindings.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef RECURRENT_BUILD_INFO
#define RECURRENT_BUILD_INFO "unknown build"
#endif
#ifndef RECURRENT_SOURCE_HASH
#define RECURRENT_SOURCE_HASH ""
#endif

/* The csrc/ kernels (compiled separately with -O3 -march=native); signatures as in the csrc/ files. */
typedef unsigned char u8;
unsigned int sgemm_scratch_bytes(void);
void sgemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda, const float *B, int ldb,
           float beta, float *C, int ldc, float *scratch);
unsigned int recurrent_work_bytes(int cell, int H);
void rnn_forward(int B, int T, int I, int H, int relu, const float *x, const float *wih, const float *whh,
                 const float *bih, const float *bhh, const float *h0, const u8 *mask, int reverse, const float *hmask,
                 float *y, float *hT, float *cache, float *ws);
void rnn_backward(int B, int T, int I, int H, int relu, const float *x, const float *wih, const float *whh,
                  const u8 *mask, int reverse, const float *hmask, const float *cache, const float *dy, const float *dhT,
                  float *dx, float *dh0, float *dwih, float *dwhh, float *dbih, float *dbhh, float *work, float *ws);
void lstm_forward(int B, int T, int I, int H, const float *x, const float *wih, const float *whh, const float *bih,
                  const float *bhh, const float *h0, const float *c0, const u8 *mask, int reverse, const float *hmask,
                  float *y, float *hT, float *cT, float *cache, float *ws);
void lstm_backward(int B, int T, int I, int H, const float *x, const float *wih, const float *whh, const u8 *mask,
                   int reverse, const float *hmask, const float *cache, const float *dy, const float *dhT,
                   const float *dcT, float *dx, float *dh0, float *dc0, float *dwih, float *dwhh, float *dbih,
                   float *dbhh, float *work, float *ws);
void gru_forward(int B, int T, int I, int H, int resetAfter, const float *x, const float *wih, const float *whh,
                 const float *bih, const float *bhh, const float *h0, const u8 *mask, int reverse, const float *hmask,
                 float *y, float *hT, float *cache, float *ws);
void gru_backward(int B, int T, int I, int H, int resetAfter, const float *x, const float *wih, const float *whh,
                  const u8 *mask, int reverse, const float *hmask, const float *cache, const float *dy, const float *dhT,
                  float *dx, float *dh0, float *dwih, float *dwhh, float *dbih, float *dbhh, float *work, float *ws);
void sgd_step(int n, float *p, const float *g, float *buf, double lr, double momentum, double dampening,
              double weightDecay, int nesterov, int maximize, int firstStep);
void adam_step(int n, float *p, const float *g, float *m, float *v, float *vmax, double stepSize, double bc2Sqrt,
               double beta1, double beta2, double eps, double weightDecay, double decay, int amsgrad, int decoupled,
               int maximize);
void rmsprop_step(int n, float *p, const float *g, float *sq, float *gradAvg, float *buf, double lr, double alpha,
                  double eps, double weightDecay, double momentum, int centered, int maximize);
void adagrad_step(int n, float *p, const float *g, float *sum, double clr, double weightDecay, double eps, int maximize);
void softmax_xent_rows(int N, int C, const float *z, float *probs, const float *w, int smoothing, double *stats);
void softmax_xent_backward(int N, int C, const int *targets, int ignoreIndex, const float *w, double eps, double W,
                           double gConst, const float *dlosses, const float *probs, float *dz);
void embedding_forward(int N, int E, const int *ids, const float *table, float *y);
void embedding_backward(int N, int E, const int *ids, const float *dy, float *dtable, int paddingIdx);
void ctc_forward(int B, int T, int C, int S, int blank, const float *logits, const int *targets, const int *inputLengths,
                 const int *targetLengths, float *logProbs, double *alpha, double *nll);
void ctc_backward(int B, int T, int C, int S, int blank, const int *targets, const int *inputLengths,
                  const int *targetLengths, const float *logProbs, const double *alpha, const double *nll,
                  const double *dnll, float *dlogits, double *work);
void sigmoid_f32(int n, const float *x, float *y);
void tanh_f32(int n, const float *x, float *y);
/* The parts threads run (csrc/threads.c, csrc/recurrent.c; the wasm worker threads run the same). */
void sgemm_part(int part, int nparts, float *ws, int transA, int transB, int M, int N, int K, float alpha,
                const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc);
void rnn_forward_part(int part, int nparts, float *ws, int B, int T, int I, int H, int relu, const float *x,
                      const float *wih, const float *whh, const float *bih, const float *bhh, const float *h0,
                      const u8 *mask, int reverse, const float *hmask, float *y, float *hT, float *cache);
void rnn_backward_rows_part(int part, int nparts, float *ws, int B, int T, int I, int H, int relu, const float *x,
                            const float *wih, const float *whh, const u8 *mask, int reverse, const float *hmask,
                            const float *cache, const float *dy, const float *dhT, float *dx, float *dh0, float *dwih,
                            float *dwhh, float *dbih, float *dbhh, float *work);
void rnn_backward_grads_part(int part, int nparts, float *ws, int B, int T, int I, int H, int relu, const float *x,
                             const float *wih, const float *whh, const u8 *mask, int reverse, const float *hmask,
                             const float *cache, const float *dy, const float *dhT, float *dx, float *dh0, float *dwih,
                             float *dwhh, float *dbih, float *dbhh, float *work);
void lstm_forward_part(int part, int nparts, float *ws, int B, int T, int I, int H, const float *x, const float *wih,
                       const float *whh, const float *bih, const float *bhh, const float *h0, const float *c0,
                       const u8 *mask, int reverse, const float *hmask, float *y, float *hT, float *cT, float *cache);
void lstm_backward_rows_part(int part, int nparts, float *ws, int B, int T, int I, int H, const float *x,
                             const float *wih, const float *whh, const u8 *mask, int reverse, const float *hmask,
                             const float *cache, const float *dy, const float *dhT, const float *dcT, float *dx,
                             float *dh0, float *dc0, float *dwih, float *dwhh, float *dbih, float *dbhh, float *work);
void lstm_backward_grads_part(int part, int nparts, float *ws, int B, int T, int I, int H, const float *x,
                              const float *wih, const float *whh, const u8 *mask, int reverse, const float *hmask,
                              const float *cache, const float *dy, const float *dhT, const float *dcT, float *dx,
                              float *dh0, float *dc0, float *dwih, float *dwhh, float *dbih, float *dbhh, float *work);
int lstm_step_split_ok(int H);
void lstm_forward_prep(int B, int T, int H, const float *whh, const float *bih, const float *bhh, const float *h0,
                       const float *c0, const float *hmask, float *hT, float *cT, float *cache, int reverse,
                       float *ws);
void lstm_forward_step_part(int part, int nparts, float *ws, int s, int B, int T, int H, const u8 *mask, int reverse,
                            const float *hmask, float *y, float *hT, float *cT, float *cache, const float *shared);
void lstm_backward_prep(int B, int T, int H, const float *whh, const float *dhT, const float *dcT, float *work,
                        float *ws);
void lstm_backward_step_part(int part, int nparts, float *ws, int s, int B, int T, int H, const u8 *mask, int reverse,
                             const float *hmask, const float *cache, const float *dy, float *work,
                             const float *shared);
void lstm_backward_finish(int B, int T, int H, float *dh0, float *dc0, const float *work);
void adam_step_part(int part, int nparts, float *ws, int n, float *p, const float *g, float *m, float *v,
                    float *vmax, double stepSize, double bc2Sqrt, double beta1, double beta2, double eps,
                    double weightDecay, double decay, int amsgrad, int decoupled, int maximize);
void gru_forward_part(int part, int nparts, float *ws, int B, int T, int I, int H, int resetAfter, const float *x,
                      const float *wih, const float *whh, const float *bih, const float *bhh, const float *h0,
                      const u8 *mask, int reverse, const float *hmask, float *y, float *hT, float *cache);
void gru_backward_rows_part(int part, int nparts, float *ws, int B, int T, int I, int H, int resetAfter,
                            const float *x, const float *wih, const float *whh, const u8 *mask, int reverse,
                            const float *hmask, const float *cache, const float *dy, const float *dhT, float *dx,
                            float *dh0, float *dwih, float *dwhh, float *dbih, float *dbhh, float *work);
void gru_backward_grads_part(int part, int nparts, float *ws, int B, int T, int I, int H, int resetAfter,
                             const float *x, const float *wih, const float *whh, const u8 *mask, int reverse,
                             const float *hmask, const float *cache, const float *dy, const float *dhT, float *dx,
                             float *dh0, float *dwih, float *dwhh, float *dbih, float *dbhh, float *work);

/* Doubles in the argument block. */
#define ARGS_MAX 32

/* ---- threads ---------------------------------------------------------------------------------
 *
 * A pool of `threads − 1` pthreads per Node environment that runs the same parts of a kernel the
 * wasm worker threads run (src/kernels/threads/, DESIGN.md §5): csrc/threads.c's sgemm_part
 * (ranges of C's columns, or rows) and csrc/recurrent.c's *_part functions (batch rows of a
 * recurrence, gate rows of its weight gradients). The split is csrc's (split_at), so it is one
 * scheme for both targets, and each output element is computed by the same operations as in the
 * one-thread kernel: results are the same bits at any thread count.
 *
 * A kernel stays a synchronous call. The calling thread publishes a job (a part runner and its
 * arguments), wakes the workers and takes parts itself; every participant claims the next part
 * with a compare-and-swap on one word (job sequence, part count, next part), so a worker that is
 * asleep or descheduled never delays the call: the caller runs the parts nobody took and waits only
 * for parts already claimed (spinning CALLER_SPIN_NS, then asleep until the last part signals).
 * Workers spin on the job counter for SPIN_NS after each job before they sleep on a condition
 * variable (a sleep/wake round trip costs tens of µs, as much as a small GEMM; DESIGN.md §5
 * measured the same for wasm workers). Each thread has its own workspace.
 *
 * The thread count is the library's (setThreads / RECURRENT_THREADS, passed in by
 * src/kernels/native/backend.ts); 1 starts no thread. Threads start on the first job that is
 * split, stop when the count changes, and are joined when the environment is torn down (an env
 * cleanup hook; N-API runs it at exit and when a worker_threads Worker ends). They never keep a
 * process alive: exit() ends a process whatever its other threads do.
 *
 * The contention guard of src/kernels/threads/pool.ts applies too: on a shared machine the threads
 * may not get a core each; when over GUARD_WINDOW_NS of split jobs the process used fewer than
 * 1 + GUARD_MIN_GAIN·(n − 1) cores, jobs run on the calling thread for a back-off period.
 *
 * Without pthreads (RECURRENT_NO_THREADS, set by tools/build/native.mjs when the glue does not
 * compile with -pthread) everything runs on the calling thread.
 */
#if !defined(RECURRENT_NO_THREADS) && (defined(__unix__) || defined(__APPLE__))
#define HAVE_THREADS 1
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#else
#define HAVE_THREADS 0
#endif

#define MAX_THREADS 64
/* How long a worker spins on the job counter after a job before it sleeps (as the wasm pool's SPIN_MS). */
#define SPIN_NS 2000000LL
/*
 * How long the caller spins for parts claimed by workers before it sleeps until the last one is
 * done (the wasm pool's CALLER_SPIN_MS): a worker descheduled in the middle of its part then gets
 * the process's CPU share instead of the caller spinning on it.
 */
#define CALLER_SPIN_NS 500000LL
/* Flops below which a part is not worth a thread (GEMM_MIN_FLOPS_PER_PART, RECURRENT_MIN_FLOPS_PER_PART). */
#define MIN_FLOPS_PER_PART 1048576.0
/*
 * csrc/gemm.h's MR and NR of the native build (GEMM_WIDE): parts of batch rows are multiples of
 * PART_ROWS, parts of columns and gate rows of PART_COLS. Only the number of parts depends on
 * these (a part count giving empty parts only wastes a wake-up); the split itself is csrc's.
 */
#define PART_ROWS 4
#define PART_COLS 64
#define GUARD_WINDOW_NS 30000000LL
#define GUARD_MIN_GAIN 0.4
#define GUARD_FIRST_BACKOFF_NS 250000000LL
#define GUARD_MAX_BACKOFF_NS 4000000000LL

/* One part of a job: runs part `part` of `np` with the arguments at `job` and the workspace `ws`. */
typedef void (*PartRunner)(const void *job, int part, int np, float *ws);

typedef struct Pool Pool;
typedef struct {
  Pool *pool;
  int id;
} WorkerArg;

struct Pool {
  int want;    /* the thread count asked for (1 = no threads) */
  int guardOn; /* the contention guard (tests turn it off) */
#if HAVE_THREADS
  int n;                         /* threads of the running pool (incl. the caller); 0 = not running */
  int sizedFor;                  /* the `want` it was started for (n is less when a thread failed to start) */
  unsigned startGen;             /* gen when the pool started: a new worker takes any job after it */
  pthread_t tid[MAX_THREADS];
  WorkerArg warg[MAX_THREADS];
  float *ws[MAX_THREADS];        /* workspace of thread t ≥ 1 */
  size_t wsBytes;
  atomic_uint gen;               /* job generation: workers wait for it to change */
  atomic_ullong claim;           /* seq << 32 | nparts << 16 | next part */
  atomic_int done;               /* parts finished in the current job */
  atomic_int stop;
  atomic_int sleepers;           /* workers waiting on cv */
  atomic_int callerWaits;        /* the caller sleeps on doneCv for the last part */
  atomic_llong workerParts;      /* parts run by workers (statistics) */
  PartRunner run;
  const void *job;
  unsigned seq;
  long long jobs, guarded;
  long long winWall, winCpu, backoffUntil, backoffNs; /* contention guard (ns) */
  int warmup;                                        /* the next job is not counted by the guard */
  pthread_mutex_t mu;
  pthread_cond_t cv, doneCv;
#endif
};

/* Per environment. */
typedef struct {
  float *scratch; /* sgemm's packing workspace (the calling thread's) */
  Pool pool;
} State;

#if HAVE_THREADS
static long long now_ns(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  __asm__ __volatile__("yield");
#endif
}

/*
 * Claims and runs parts of the current job until none is left: thread `id` (0: the caller, whose
 * workspace is `ws0`).
 */
static int take_parts(Pool *p, int id, float *ws0) {
  int ran = 0;
  for (;;) {
    unsigned long long v = atomic_load(&p->claim);
    const int np = (int)((v >> 16) & 0xffff), part = (int)(v & 0xffff);
    if (part >= np) return ran;
    if (!atomic_compare_exchange_weak(&p->claim, &v, v + 1)) continue;
    /*
     * The job's fields and the workspaces stay as they are until every part is done, and this one
     * is not. (Read them only now: a worker still in this loop after the previous job may be
     * claiming a part of the next one, whose workspaces may have been reallocated.)
     */
    p->run(p->job, part, np, id == 0 ? ws0 : p->ws[id]);
    ran++;
    if (atomic_fetch_add(&p->done, 1) + 1 == np && id != 0 && atomic_load(&p->callerWaits)) {
      pthread_mutex_lock(&p->mu);
      pthread_cond_broadcast(&p->doneCv);
      pthread_mutex_unlock(&p->mu);
    }
  }
}

static void *worker_main(void *arg) {
  WorkerArg *w = (WorkerArg *)arg;
  Pool *p = w->pool;
  /* Not the gen of now: a job published before this thread got to run is still to be joined. */
  unsigned seen = p->startGen;
  for (;;) {
    if (atomic_load(&p->stop)) break;
    unsigned g = atomic_load(&p->gen);
    if (g == seen) {
      const long long end = now_ns(CLOCK_MONOTONIC) + SPIN_NS;
      for (int i = 1; (g = atomic_load(&p->gen)) == seen; i++) {
        cpu_relax();
        if ((i & 255) == 0 && now_ns(CLOCK_MONOTONIC) > end) break;
      }
      if (g == seen) {
        pthread_mutex_lock(&p->mu);
        atomic_fetch_add(&p->sleepers, 1);
        while (atomic_load(&p->gen) == seen && !atomic_load(&p->stop)) pthread_cond_wait(&p->cv, &p->mu);
        atomic_fetch_sub(&p->sleepers, 1);
        pthread_mutex_unlock(&p->mu);
        continue;
      }
    }
    seen = g;
    if (atomic_load(&p->stop)) break;
    const int ran = take_parts(p, w->id, NULL);
    if (ran) atomic_fetch_add(&p->workerParts, ran);
  }
  return NULL;
}

/* Wakes every worker after gen changed. */
static void wake(Pool *p) {
  if (atomic_load(&p->sleepers) == 0) return;
  pthread_mutex_lock(&p->mu);
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
}

/* Stops and joins the workers and frees their workspaces (nothing when the pool is not running). */
static void pool_stop(Pool *p) {
  if (p->n == 0) return;
  atomic_store(&p->stop, 1);
  atomic_fetch_add(&p->gen, 1);
  pthread_mutex_lock(&p->mu);
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  for (int t = 1; t < p->n; t++) pthread_join(p->tid[t], NULL);
  for (int t = 1; t < p->n; t++) free(p->ws[t]), p->ws[t] = NULL;
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->cv);
  pthread_cond_destroy(&p->doneCv);
  p->n = 0;
  p->wsBytes = 0;
}

/* Starts `want − 1` workers; 0 when none could start (then jobs run on the calling thread). */
static int pool_start(Pool *p) {
  if (pthread_mutex_init(&p->mu, NULL) != 0) return 0;
  if (pthread_cond_init(&p->cv, NULL) != 0) {
    pthread_mutex_destroy(&p->mu);
    return 0;
  }
  if (pthread_cond_init(&p->doneCv, NULL) != 0) {
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    return 0;
  }
  atomic_store(&p->callerWaits, 0);
  atomic_store(&p->stop, 0);
  atomic_store(&p->sleepers, 0);
  atomic_store(&p->claim, 0);
  atomic_store(&p->workerParts, 0);
  p->jobs = p->guarded = 0;
  p->winWall = p->winCpu = p->backoffUntil = 0;
  p->warmup = 1;
  p->backoffNs = GUARD_FIRST_BACKOFF_NS;
  p->sizedFor = p->want;
  p->startGen = atomic_load(&p->gen);
  p->n = 1;
  for (int t = 1; t < p->want; t++) {
    p->warg[t].pool = p;
    p->warg[t].id = t;
    p->ws[t] = NULL;
    if (pthread_create(&p->tid[t], NULL, worker_main, &p->warg[t]) != 0) break;
    p->n = t + 1;
  }
  if (p->n < 2) {
    pool_stop(p);
    return 0;
  }
  return 1;
}

/*
 * The contention guard's bookkeeping after a split job that started at wall t0, CPU time cpu0.
 * The first job after the pool starts or a back-off ends is not counted: its worker was asleep (or
 * not yet started), and waking a thread takes the scheduler a while (it may first run it on the
 * caller's core) — counted, that job made the guard back off again and again (measured: a medium
 * LSTM forward stayed on one thread with both cores free). Later jobs count, asleep workers or not,
 * so that a machine without a free core still stops the splitting.
 */
static void guard(Pool *p, long long t0, long long cpu0) {
  if (!p->guardOn) return;
  if (p->warmup) {
    p->warmup = 0;
    return;
  }
  const long long t1 = now_ns(CLOCK_MONOTONIC);
  p->winWall += t1 - t0;
  p->winCpu += now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
  if (p->winWall < GUARD_WINDOW_NS) return;
  const double cores = (double)p->winCpu / (double)p->winWall;
  p->winWall = p->winCpu = 0;
  if (!(cores < 1.0 + GUARD_MIN_GAIN * (p->n - 1))) {
    p->backoffNs = GUARD_FIRST_BACKOFF_NS;
    return;
  }
  p->backoffUntil = t1 + p->backoffNs;
  p->backoffNs = p->backoffNs * 2 < GUARD_MAX_BACKOFF_NS ? p->backoffNs * 2 : GUARD_MAX_BACKOFF_NS;
}
#endif

/*
 * Runs parts 0 … np − 1 of `job` across the pool and the calling thread (whose workspace is `ws0`;
 * each worker gets one of `wsBytes` bytes) and returns 1 when all are done; 0, having run nothing,
 * when the job is not split (np < 2, threads = 1, no pthreads, the guard backing off, no memory):
 * the caller then runs the one-thread kernel.
 */
static int run_parts(Pool *p, PartRunner run, const void *job, int np, float *ws0, size_t wsBytes) {
#if HAVE_THREADS
  if (np < 2 || p->want < 2) return 0;
  if (p->n != 0 && p->sizedFor != p->want) pool_stop(p);
  if (p->n == 0 && !pool_start(p)) return 0;
  const long long t0 = now_ns(CLOCK_MONOTONIC);
  if (t0 < p->backoffUntil) {
    p->guarded++;
    return 0;
  }
  if (p->backoffUntil != 0) p->backoffUntil = 0, p->warmup = 1;
  const long long cpu0 = p->guardOn ? now_ns(CLOCK_PROCESS_CPUTIME_ID) : 0;
  if (wsBytes > p->wsBytes) {
    const size_t size = (wsBytes + 63) / 64 * 64;
    for (int t = 1; t < p->n; t++) {
      free(p->ws[t]);
      p->ws[t] = (float *)aligned_alloc(64, size);
    }
    p->wsBytes = size;
    for (int t = 1; t < p->n; t++)
      if (!p->ws[t]) {
        for (int u = 1; u < p->n; u++) free(p->ws[u]), p->ws[u] = NULL;
        p->wsBytes = 0;
        return 0;
      }
  }
  if (np > p->n) np = p->n;
  p->run = run;
  p->job = job;
  p->seq++;
  p->jobs++;
  atomic_store(&p->done, 0);
  atomic_store(&p->claim, ((unsigned long long)p->seq << 32) | ((unsigned long long)np << 16));
  atomic_fetch_add(&p->gen, 1);
  wake(p);
  take_parts(p, 0, ws0);
  /* Wait for the parts the workers took: spin briefly, then sleep until the last one is done. */
  if (atomic_load(&p->done) < np) {
    const long long end = now_ns(CLOCK_MONOTONIC) + CALLER_SPIN_NS;
    for (int i = 1; atomic_load(&p->done) < np; i++) {
      cpu_relax();
      if ((i & 255) == 0 && now_ns(CLOCK_MONOTONIC) > end) break;
    }
  }
  if (atomic_load(&p->done) < np) {
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->callerWaits, 1);
    while (atomic_load(&p->done) < np) {
      /* Bounded, as a safety net: the last worker signals (callerWaits is set before done is read). */
      struct timespec t;
      clock_gettime(CLOCK_REALTIME, &t);
      t.tv_nsec += 5000000;
      if (t.tv_nsec >= 1000000000) t.tv_sec++, t.tv_nsec -= 1000000000;
      pthread_cond_timedwait(&p->doneCv, &p->mu, &t);
    }
    atomic_store(&p->callerWaits, 0);
    pthread_mutex_unlock(&p->mu);
  }
  guard(p, t0, cpu0);
  return 1;
#else
  (void)p, (void)run, (void)job, (void)np, (void)ws0, (void)wsBytes;
  return 0;
#endif
}

/* Parts for `units` independent units of work (rows, columns) and `flops` in all: 1 = one thread. */
static int parts_for(const Pool *p, double units, double flops) {
  double m = units < flops / MIN_FLOPS_PER_PART ? units : flops / MIN_FLOPS_PER_PART;
  if (p->want < 2 || m < 2) return 1;
  int n = p->want < 255 ? p->want : 255;
  return m < n ? (int)m : n;
}

/* Per attach(): one memory. */
typedef struct {
  State *state;
  unsigned char *base; /* byte 0 of the memory */
  uint64_t length;     /* its length in bytes at the last attach()/refresh() */
  uint64_t args;       /* byte offset of the argument block */
  napi_ref view;       /* the view last given (keeps the backing store alive) */
  int live;            /* functions of this binding not yet garbage-collected */
} Binding;

/* The environment is being torn down (exit, or the end of a worker_threads Worker): join the threads. */
static void stop_threads_hook(void *data) {
#if HAVE_THREADS
  pool_stop(&((State *)data)->pool);
#else
  (void)data;
#endif
}

static void free_state(napi_env env, void *data, void *hint) {
  (void)hint;
  State *s = (State *)data;
  napi_remove_env_cleanup_hook(env, stop_threads_hook, s);
  stop_threads_hook(s);
  free(s->scratch);
  free(s);
}

static napi_value throw_error(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static napi_value throw_range(napi_env env, const char *msg) {
  napi_throw_range_error(env, NULL, msg);
  return NULL;
}

/*
 * Reads a Uint8Array over a whole memory into b->base/length and keeps a reference to it.
 * Returns 1, or 0 with a JavaScript exception pending.
 */
static int take_view(napi_env env, Binding *b, napi_value value) {
  bool is_ta = false;
  napi_typedarray_type type;
  size_t length, offset;
  void *data;
  napi_value buffer;
  if (napi_is_typedarray(env, value, &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, value, &type, &length, &data, &buffer, &offset) != napi_ok ||
      type != napi_uint8_array || offset != 0 || data == NULL) {
    throw_error(env, "recurrent native: needs a Uint8Array over the whole memory (from byte 0)");
    return 0;
  }
  napi_ref ref;
  if (napi_create_reference(env, value, 1, &ref) != napi_ok) {
    throw_error(env, "recurrent native: cannot keep the view");
    return 0;
  }
  if (b->view) napi_delete_reference(env, b->view);
  b->view = ref;
  b->base = (unsigned char *)data;
  b->length = length;
  return 1;
}

/* A function of a binding was garbage-collected; the last one frees the binding. */
static void release_binding(napi_env env, void *data, void *hint) {
  (void)hint;
  Binding *b = (Binding *)data;
  if (--b->live > 0) return;
  if (b->view) napi_delete_reference(env, b->view);
  free(b);
}

/* The binding a kernel function was created for. */
static Binding *binding_of(napi_env env, napi_callback_info info) {
  Binding *b = NULL;
  if (napi_get_cb_info(env, info, NULL, NULL, NULL, (void **)&b) != napi_ok) return NULL;
  return b;
}

/* refresh(view) → true when byte 0 of the memory is no longer where it was. */
static napi_value js_refresh(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  Binding *b;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&b) != napi_ok) return NULL;
  if (argc < 1) return throw_error(env, "recurrent native: refresh() needs the view");
  unsigned char *before = b->base;
  const uint64_t args_end = b->args + ARGS_MAX * 8u;
  if (!take_view(env, b, argv[0])) return NULL;
  if (args_end > b->length) return throw_range(env, "recurrent native: refresh(): the memory shrank");
  napi_value r;
  napi_get_boolean(env, b->base != before, &r);
  return r;
}

/* True when `count` floats from byte offset `off` lie inside the memory. */
static int span_ok(const Binding *b, int64_t off, int64_t count) {
  return off >= 0 && (off & 3) == 0 && count >= 0 && (uint64_t)off + (uint64_t)count * 4u <= b->length;
}

/* Argument i as an int32 (false when it is not an integer in range: NaN, fractions, overflow). */
static int arg_i32(const double *args, int i, int32_t *out) {
  const double v = args[i];
  if (!(v >= -2147483648.0 && v <= 2147483647.0)) return 0;
  *out = (int32_t)v;
  return (double)*out == v;
}

/* Argument i as a byte offset (an integer in [0, 2^53)). */
static int arg_off(const double *args, int i, int64_t *out) {
  const double v = args[i];
  if (!(v >= 0.0 && v <= 9007199254740991.0)) return 0;
  *out = (int64_t)v;
  return (double)*out == v;
}

/* A GEMM split by csrc/threads.c's sgemm_part (columns of C when N ≥ M, else rows). */
typedef struct {
  int tA, tB, M, N, K, lda, ldb, ldc;
  float alpha, beta;
  const float *A, *B;
  float *C;
} GemmJob;

static void gemm_part(const void *job, int part, int np, float *ws) {
  const GemmJob *j = (const GemmJob *)job;
  sgemm_part(part, np, ws, j->tA, j->tB, j->M, j->N, j->K, j->alpha, j->A, j->lda, j->B, j->ldb, j->beta, j->C, j->ldc);
}

/*
 * sgemm(), arguments in the block: transA, transB, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc —
 * csrc/gemm.c's sgemm with byte offsets a, b, c into the memory (the wasm module's signature
 * without `scratch`: the add-on has its own).
 */
/*
 * sgemm split across the pool by columns (or rows) of C when it is worth it, else on this thread;
 * `ws` holds sgemm_scratch_bytes(). js_sgemm and the LSTM split by hidden units call it.
 */
static void pool_sgemm(Pool *p, int tA, int tB, int M, int N, int K, float alpha, const float *A, int lda,
                       const float *B, int ldb, float beta, float *C, int ldc, float *ws) {
  const GemmJob g = {tA != 0, tB != 0, M, N, K, lda, ldb, ldc, alpha, beta, A, B, C};
  if (M > 0 && N > 0 && K > 0 && alpha != 0.0f) {
    const int np = parts_for(p, N >= M ? (double)N / PART_COLS : (double)M / PART_ROWS, 2.0 * M * N * K);
    if (run_parts(p, gemm_part, &g, np, ws, sgemm_scratch_bytes())) return;
  }
  sgemm(tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ws);
}

static napi_value js_sgemm(napi_env env, napi_callback_info info) {
  Binding *m = binding_of(env, info);
  if (!m) return NULL;
  const double *args = (const double *)(m->base + m->args);
  int32_t tA, tB, M, N, K, lda, ldb, ldc;
  int64_t a, b, c;
  if (!arg_i32(args, 0, &tA) || !arg_i32(args, 1, &tB) || !arg_i32(args, 2, &M) || !arg_i32(args, 3, &N) ||
      !arg_i32(args, 4, &K) || !arg_off(args, 6, &a) || !arg_i32(args, 7, &lda) || !arg_off(args, 8, &b) ||
      !arg_i32(args, 9, &ldb) || !arg_off(args, 11, &c) || !arg_i32(args, 12, &ldc))
    return throw_error(env, "recurrent native: sgemm: a size, stride or offset is not an integer in range");
  const float alpha = (float)args[5], beta = (float)args[10];
  if (M <= 0 || N <= 0) return NULL;
  if (lda < 0 || ldb < 0 || ldc < 0) return throw_range(env, "recurrent native: sgemm: negative leading dimension");
  if (!span_ok(m, c, (int64_t)(M - 1) * ldc + N)) return throw_range(env, "recurrent native: sgemm: C lies outside the memory");
  if (K > 0 && alpha != 0.0f) {
    if (!span_ok(m, a, tA ? (int64_t)(K - 1) * lda + M : (int64_t)(M - 1) * lda + K))
      return throw_range(env, "recurrent native: sgemm: A lies outside the memory");
    if (!span_ok(m, b, tB ? (int64_t)(N - 1) * ldb + K : (int64_t)(K - 1) * ldb + N))
      return throw_range(env, "recurrent native: sgemm: B lies outside the memory");
  }
  pool_sgemm(&m->state->pool, tA, tB, M, N, K, alpha, (const float *)(m->base + a), lda, (const float *)(m->base + b),
             ldb, beta, (float *)(m->base + c), ldc, m->state->scratch);
  return NULL;
}

/* ---- the other kernels: arguments read and checked through a Call ----------------------- */

/*
 * One kernel call: its binding, its argument block, and the first problem found (the call then
 * throws instead of running). Every pointer argument is a byte offset, 0 for null, and is checked
 * against the span the kernel touches (elements × size, aligned to the element size); integer
 * arrays whose values index other arrays (ids, targets, lengths) are checked too, so no argument
 * can make a kernel touch memory outside the attached one.
 */
typedef struct {
  Binding *m;
  const double *a;
  const char *name;
  char err[160];
} Call;

static void fail(Call *c, int i, const char *what) {
  if (c->err[0]) return;
  snprintf(c->err, sizeof c->err, "recurrent native: %s: argument %d %s", c->name, i, what);
}

/* Integer argument i. */
static int ci(Call *c, int i) {
  int32_t v = 0;
  if (!arg_i32(c->a, i, &v)) fail(c, i, "is not an integer in range");
  return v;
}

/* Sizes (arguments first..first+n-1): integers ≥ 0. */
static void sizes_ok(Call *c, int first, int n) {
  for (int i = first; i < first + n; i++)
    if (ci(c, i) < 0) fail(c, i, "(a size) is negative");
}

/*
 * Array argument i: `count` elements of `size` bytes from its byte offset; NULL for offset 0,
 * which is an error when `required` and count > 0.
 */
static void *cp(Call *c, int i, int64_t count, int size, int required) {
  int64_t off;
  if (!arg_off(c->a, i, &off)) {
    fail(c, i, "(an offset) is not an integer in range");
    return NULL;
  }
  if (off == 0) {
    if (required && count > 0) fail(c, i, "(an array) is missing");
    return NULL;
  }
  if (count < 0 || off % size != 0 || (uint64_t)off + (uint64_t)count * (uint64_t)size > c->m->length) {
    fail(c, i, "(an array) lies outside the memory or is misaligned");
    return NULL;
  }
  return c->m->base + off;
}

#define F32(i, n) ((float *)cp(c, i, n, 4, 0))
#define F32R(i, n) ((float *)cp(c, i, n, 4, 1))
#define F64R(i, n) ((double *)cp(c, i, n, 8, 1))
#define I32R(i, n) ((int *)cp(c, i, n, 4, 1))
#define U8(i, n) ((u8 *)cp(c, i, n, 1, 0))

#define CALL(kname)                                                      \
  Call call_ = {binding_of(env, info), NULL, #kname, {0}};               \
  if (!call_.m) return NULL;                                             \
  call_.a = (const double *)(call_.m->base + call_.m->args);             \
  Call *c = &call_

#define CHECKED \
  if (c->err[0]) return throw_range(env, c->err)

/* Fails unless the rows ids[0..n) (except `skip`) of E floats of the table at argument i lie in the memory. */
static void rows_ok(Call *c, int i, const int *ids, int n, int E, int skip) {
  int64_t off;
  if (c->err[0]) return;
  if (!arg_off(c->a, i, &off) || off == 0 || off % 4 != 0) {
    fail(c, i, "(a table) is missing, misaligned or not an integer offset");
    return;
  }
  for (int k = 0; k < n; k++) {
    if (ids[k] == skip) continue;
    if (ids[k] < 0 || (uint64_t)off + ((uint64_t)ids[k] + 1u) * (uint64_t)E * 4u > c->m->length) {
      fail(c, i, "(a table): an id selects a row outside the memory");
      return;
    }
  }
}

/* Workspace bytes of the recurrent kernels (the wasm module's recurrent_work_bytes). */
static napi_value js_recurrent_work_bytes(napi_env env, napi_callback_info info) {
  CALL(recurrent_work_bytes);
  const int cell = ci(c, 0), H = ci(c, 1);
  if (cell < 0 || cell > 2) fail(c, 0, "(the cell) is not 0, 1 or 2");
  if (H < 0) fail(c, 1, "(a size) is negative");
  CHECKED;
  napi_value r;
  napi_create_uint32(env, recurrent_work_bytes(cell, H), &r);
  return r;
}

static napi_value js_sgemm_scratch_bytes(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value r;
  napi_create_uint32(env, sgemm_scratch_bytes(), &r);
  return r;
}

/*
 * A fused recurrent kernel's arguments, for its parts (csrc/recurrent.c's *_part functions):
 * forwards split by batch rows; backwards run the recurrence by batch rows (`rows`), then, once
 * every row's work exists, the weight and bias gradients by gate rows (`grads`).
 */
typedef struct {
  int B, T, I, H, flag, reverse;
  const float *x, *wih, *whh, *bih, *bhh, *h0, *c0, *hm, *dy, *dhT, *dcT;
  const u8 *mask;
  float *y, *hT, *cT, *cache, *dx, *dh0, *dc0, *dwih, *dwhh, *dbih, *dbhh, *work;
} SeqJob;

#define SJ const SeqJob *j = (const SeqJob *)job
static void rnn_forward_run(const void *job, int part, int np, float *ws) {
  SJ;
  rnn_forward_part(part, np, ws, j->B, j->T, j->I, j->H, j->flag, j->x, j->wih, j->whh, j->bih, j->bhh, j->h0, j->mask,
                   j->reverse, j->hm, j->y, j->hT, j->cache);
}
static void gru_forward_run(const void *job, int part, int np, float *ws) {
  SJ;
  gru_forward_part(part, np, ws, j->B, j->T, j->I, j->H, j->flag, j->x, j->wih, j->whh, j->bih, j->bhh, j->h0, j->mask,
                   j->reverse, j->hm, j->y, j->hT, j->cache);
}
static void lstm_forward_run(const void *job, int part, int np, float *ws) {
  SJ;
  lstm_forward_part(part, np, ws, j->B, j->T, j->I, j->H, j->x, j->wih, j->whh, j->bih, j->bhh, j->h0, j->c0, j->mask,
                    j->reverse, j->hm, j->y, j->hT, j->cT, j->cache);
}
#define SEQ_BACKWARD_RUN(name, fn)                                                                                   \
  static void name(const void *job, int part, int np, float *ws) {                                                   \
    SJ;                                                                                                              \
    fn(part, np, ws, j->B, j->T, j->I, j->H, j->flag, j->x, j->wih, j->whh, j->mask, j->reverse, j->hm, j->cache,     \
       j->dy, j->dhT, j->dx, j->dh0, j->dwih, j->dwhh, j->dbih, j->dbhh, j->work);                                   \
  }
SEQ_BACKWARD_RUN(rnn_backward_rows_run, rnn_backward_rows_part)
SEQ_BACKWARD_RUN(rnn_backward_grads_run, rnn_backward_grads_part)
SEQ_BACKWARD_RUN(gru_backward_rows_run, gru_backward_rows_part)
SEQ_BACKWARD_RUN(gru_backward_grads_run, gru_backward_grads_part)
#define LSTM_BACKWARD_RUN(name, fn)                                                                                  \
  static void name(const void *job, int part, int np, float *ws) {                                                   \
    SJ;                                                                                                              \
    fn(part, np, ws, j->B, j->T, j->I, j->H, j->x, j->wih, j->whh, j->mask, j->reverse, j->hm, j->cache, j->dy,      \
       j->dhT, j->dcT, j->dx, j->dh0, j->dc0, j->dwih, j->dwhh, j->dbih, j->dbhh, j->work);                          \
  }
LSTM_BACKWARD_RUN(lstm_backward_rows_run, lstm_backward_rows_part)
LSTM_BACKWARD_RUN(lstm_backward_grads_run, lstm_backward_grads_part)

/*
 * The LSTM split by hidden units, one job per time step (csrc/recurrent.c, lstm_step_split_ok):
 * `shared` is the caller's workspace, which holds the packed W_hh the parts read.
 */
typedef struct {
  const SeqJob *j;
  int s;
  const float *shared;
} StepJob;

static void lstm_forward_step_run(const void *job, int part, int np, float *ws) {
  const StepJob *st = (const StepJob *)job;
  const SeqJob *j = st->j;
  lstm_forward_step_part(part, np, ws, st->s, j->B, j->T, j->H, j->mask, j->reverse, j->hm, j->y, j->hT, j->cT,
                         j->cache, st->shared);
}

static void lstm_backward_step_run(const void *job, int part, int np, float *ws) {
  const StepJob *st = (const StepJob *)job;
  const SeqJob *j = st->j;
  lstm_backward_step_part(part, np, ws, st->s, j->B, j->T, j->H, j->mask, j->reverse, j->hm, j->cache, j->dy,
                          j->work, st->shared);
}

/*
 * Parts of one time step of the LSTM split by hidden units; 1: not split that way. Only for small
 * batches (fewer than 8 rows per thread): measured (LSTM forward + backward, T 32, I 512, H 1024,
 * 1 → 2 threads, interleaved medians): B 1 ×1.08 by batch rows, ×1.77 by units; B 8 ×1.17 / ×1.41;
 * B 16 ×1.63 / ×1.69; B 64 ×1.95 / ×1.68 — with enough rows per thread the batch split wins.
 */
static int lstm_step_parts(Pool *p, const SeqJob *j) {
  if (!lstm_step_split_ok(j->H)) return 1;
  const int np = parts_for(p, (double)j->H / PART_COLS, 2.0 * j->B * 4.0 * j->H * j->H);
  return j->B < 8 * np ? np : 1;
}

/* Runs step s's parts on the pool, or as one part on this thread (same bits). */
static void run_step(Pool *p, PartRunner run, const SeqJob *j, int s, int np, float *ws) {
  const StepJob st = {j, s, ws};
  if (!run_parts(p, run, &st, np, ws, sgemm_scratch_bytes())) run(&st, 0, 1, ws);
}

/* The LSTM forward split by hidden units (1 when it ran). */
static int lstm_forward_steps(Binding *m, const SeqJob *j, float *ws) {
  Pool *p = &m->state->pool;
  const int np = lstm_step_parts(p, j);
  if (np < 2) return 0;
  const int B = j->B, T = j->T, I = j->I, H = j->H, G = 4 * H;
  /* The projection first: its scratch overlaps the packed weights the prep writes. */
  pool_sgemm(p, 0, 1, B * T, G, I, 1.0f, j->x, I, j->wih, I, 0.0f, j->cache, G, ws);
  lstm_forward_prep(B, T, H, j->whh, j->bih, j->bhh, j->h0, j->c0, j->hm, j->hT, j->cT, j->cache, j->reverse, ws);
  for (int s = 0; s < T; s++) run_step(p, lstm_forward_step_run, j, s, np, ws);
  return 1;
}

/* The LSTM backward split by hidden units, then dX and the gradients split as GEMMs (1 when it ran). */
static int lstm_backward_steps(Binding *m, const SeqJob *j, float *ws) {
  Pool *p = &m->state->pool;
  const int np = lstm_step_parts(p, j);
  if (np < 2) return 0;
  const int B = j->B, T = j->T, I = j->I, H = j->H, G = 4 * H;
  lstm_backward_prep(B, T, H, j->whh, j->dhT, j->dcT, j->work, ws);
  for (int s = T - 1; s >= -1; s--) run_step(p, lstm_backward_step_run, j, s, np, ws);
  lstm_backward_finish(B, T, H, j->dh0, j->dc0, j->work);
  if (j->dx != 0) pool_sgemm(p, 0, 0, B * T, I, G, 1.0f, j->work, G, j->wih, I, 0.0f, j->dx, I, ws);
  const int np2 = parts_for(p, G / PART_COLS, 2.0 * B * T * G * (I + H));
  if (!run_parts(p, lstm_backward_grads_run, j, np2, ws, recurrent_work_bytes(1, H))) lstm_backward_grads_run(j, 0, 1, ws);
  return 1;
}

/*
 * Runs a forward as parts when it is worth it (1 when it ran): batch rows, with each worker's
 * workspace of recurrent_work_bytes(cell, H).
 */
static int seq_forward_parts(Binding *m, PartRunner run, const SeqJob *j, int cell, int gates, float *ws) {
  Pool *p = &m->state->pool;
  const double G = (double)gates * j->H, flops = 2.0 * j->B * j->T * G * (j->I + j->H);
  const int np = parts_for(p, (double)j->B / PART_ROWS, flops);
  return run_parts(p, run, j, np, ws, recurrent_work_bytes(cell, j->H));
}

/*
 * Runs a backward as parts when it is worth it (1 when it ran): the recurrence by batch rows (about
 * 2/3 of the flops), then the gradients by gate rows; a phase not worth splitting runs as its one part.
 */
static int seq_backward_parts(Binding *m, PartRunner rows, PartRunner grads, const SeqJob *j, int cell, int gates,
                              float *ws) {
  Pool *p = &m->state->pool;
  const double G = (double)gates * j->H, flops = 2.0 * j->B * j->T * G * (j->I + j->H);
  const int np1 = parts_for(p, (double)j->B / PART_ROWS, 2 * flops), np2 = parts_for(p, G / PART_COLS, flops);
  if (np1 < 2 && np2 < 2) return 0;
  const size_t bytes = recurrent_work_bytes(cell, j->H);
  if (!run_parts(p, rows, j, np1, ws, bytes)) rows(j, 0, 1, ws);
  if (!run_parts(p, grads, j, np2, ws, bytes)) grads(j, 0, 1, ws);
  return 1;
}

/*
 * The recurrent kernels: arguments as in csrc/recurrent.c, spans as src/kernels/wasm/recurrent.ts
 * checks them. rnn_* and gru_* take the same arguments (the flag: relu / resetAfter) and differ in
 * the gate count G/H (1, 3), the cache (2, 6 floats per output) and the backward's work.
 */
typedef struct {
  int B, T, I, H, flag, reverse;
  const float *x, *wih, *whh, *hm;
  const u8 *mask;
} SeqArgs;

/* Reads B, T, I, H, flag, x, wih, whh (arguments 0–7) for G = gates·H. */
static void seq_head(Call *c, int gates, SeqArgs *s) {
  sizes_ok(c, 0, 4);
  s->B = ci(c, 0), s->T = ci(c, 1), s->I = ci(c, 2), s->H = ci(c, 3), s->flag = ci(c, 4);
  const int64_t G = (int64_t)gates * s->H;
  s->x = F32R(5, (int64_t)s->B * s->T * s->I), s->wih = F32R(6, G * s->I), s->whh = F32R(7, G * s->H);
}

/* rnn_forward / gru_forward: cell 0 / 2, `gates` 1 / 3, `cacheN` 2 / 6. */
static napi_value seq_forward(napi_env env, Call *c, int cell, int gates, int cacheN) {
  SeqArgs a;
  seq_head(c, gates, &a);
  const int64_t BT = (int64_t)a.B * a.T, BH = (int64_t)a.B * a.H, G = (int64_t)gates * a.H;
  const float *bih = F32(8, G), *bhh = F32(9, G), *h0 = F32(10, BH);
  a.mask = U8(11, BT);
  a.reverse = ci(c, 12);
  a.hm = F32(13, BH);
  float *y = F32R(14, BT * a.H), *hT = F32R(15, BH), *cache = F32R(16, cacheN * BT * a.H);
  float *ws = F32R(17, recurrent_work_bytes(cell, a.H) / 4);
  CHECKED;
  const SeqJob j = {.B = a.B, .T = a.T, .I = a.I, .H = a.H, .flag = a.flag, .reverse = a.reverse, .x = a.x,
                    .wih = a.wih, .whh = a.whh, .bih = bih, .bhh = bhh, .h0 = h0, .hm = a.hm, .mask = a.mask,
                    .y = y, .hT = hT, .cache = cache};
  if (seq_forward_parts(c->m, cell == 0 ? rnn_forward_run : gru_forward_run, &j, cell, gates, ws)) return NULL;
  (cell == 0 ? rnn_forward : gru_forward)(a.B, a.T, a.I, a.H, a.flag, a.x, a.wih, a.whh, bih, bhh, h0, a.mask, a.reverse,
                                          a.hm, y, hT, cache, ws);
  return NULL;
}

/* rnn_backward / gru_backward: as seq_forward; `workN`·B·T·H + 2·B·H floats of work. */
static napi_value seq_backward(napi_env env, Call *c, int cell, int gates, int cacheN, int workN) {
  SeqArgs a;
  seq_head(c, gates, &a);
  const int64_t BT = (int64_t)a.B * a.T, BH = (int64_t)a.B * a.H, BTH = BT * a.H, G = (int64_t)gates * a.H;
  a.mask = U8(8, BT);
  a.reverse = ci(c, 9);
  a.hm = F32(10, BH);
  const float *cache = F32R(11, cacheN * BTH), *dy = F32(12, BTH), *dhT = F32(13, BH);
  float *dx = F32(14, BT * a.I), *dh0 = F32(15, BH), *dwih = F32R(16, G * a.I), *dwhh = F32R(17, G * a.H);
  float *dbih = F32(18, G), *dbhh = F32(19, G), *work = F32R(20, workN * BTH + 2 * BH);
  float *ws = F32R(21, recurrent_work_bytes(cell, a.H) / 4);
  CHECKED;
  const SeqJob j = {.B = a.B, .T = a.T, .I = a.I, .H = a.H, .flag = a.flag, .reverse = a.reverse, .x = a.x,
                    .wih = a.wih, .whh = a.whh, .hm = a.hm, .mask = a.mask, .cache = (float *)cache, .dy = dy,
                    .dhT = dhT, .dx = dx, .dh0 = dh0, .dwih = dwih, .dwhh = dwhh, .dbih = dbih, .dbhh = dbhh,
                    .work = work};
  if (seq_backward_parts(c->m, cell == 0 ? rnn_backward_rows_run : gru_backward_rows_run,
                         cell == 0 ? rnn_backward_grads_run : gru_backward_grads_run, &j, cell, gates, ws))
    return NULL;
  (cell == 0 ? rnn_backward : gru_backward)(a.B, a.T, a.I, a.H, a.flag, a.x, a.wih, a.whh, a.mask, a.reverse, a.hm,
                                            cache, dy, dhT, dx, dh0, dwih, dwhh, dbih, dbhh, work, ws);
  return NULL;
}

static napi_value js_rnn_forward(napi_env env, napi_callback_info info) {
  CALL(rnn_forward);
  return seq_forward(env, c, 0, 1, 2);
}

static napi_value js_rnn_backward(napi_env env, napi_callback_info info) {
  CALL(rnn_backward);
  return seq_backward(env, c, 0, 1, 2, 1);
}

static napi_value js_gru_forward(napi_env env, napi_callback_info info) {
  CALL(gru_forward);
  return seq_forward(env, c, 2, 3, 6);
}

static napi_value js_gru_backward(napi_env env, napi_callback_info info) {
  CALL(gru_backward);
  return seq_backward(env, c, 2, 3, 6, 4);
}

/* LSTM: its own arguments (the cell state c0 / cT / dcT / dc0). */
static napi_value js_lstm_forward(napi_env env, napi_callback_info info) {
  CALL(lstm_forward);
  sizes_ok(c, 0, 4);
  const int B = ci(c, 0), T = ci(c, 1), I = ci(c, 2), H = ci(c, 3);
  const int64_t BT = (int64_t)B * T, BH = (int64_t)B * H, G = 4 * (int64_t)H;
  const float *x = F32R(4, BT * I), *wih = F32R(5, G * I), *whh = F32R(6, G * H);
  const float *bih = F32(7, G), *bhh = F32(8, G), *h0 = F32(9, BH), *c0 = F32(10, BH);
  const u8 *mask = U8(11, BT);
  const int reverse = ci(c, 12);
  const float *hm = F32(13, BH);
  float *y = F32R(14, BT * H), *hT = F32R(15, BH), *cT = F32R(16, BH), *cache = F32R(17, 6 * BT * H);
  float *ws = F32R(18, recurrent_work_bytes(1, H) / 4);
  CHECKED;
  const SeqJob j = {.B = B, .T = T, .I = I, .H = H, .reverse = reverse, .x = x, .wih = wih, .whh = whh, .bih = bih,
                    .bhh = bhh, .h0 = h0, .c0 = c0, .hm = hm, .mask = mask, .y = y, .hT = hT, .cT = cT, .cache = cache};
  if (lstm_forward_steps(c->m, &j, ws) || seq_forward_parts(c->m, lstm_forward_run, &j, 1, 4, ws)) return NULL;
  lstm_forward(B, T, I, H, x, wih, whh, bih, bhh, h0, c0, mask, reverse, hm, y, hT, cT, cache, ws);
  return NULL;
}

static napi_value js_lstm_backward(napi_env env, napi_callback_info info) {
  CALL(lstm_backward);
  sizes_ok(c, 0, 4);
  const int B = ci(c, 0), T = ci(c, 1), I = ci(c, 2), H = ci(c, 3);
  const int64_t BT = (int64_t)B * T, BH = (int64_t)B * H, BTH = BT * H, G = 4 * (int64_t)H;
  const float *x = F32R(4, BT * I), *wih = F32R(5, G * I), *whh = F32R(6, G * H);
  const u8 *mask = U8(7, BT);
  const int reverse = ci(c, 8);
  const float *hm = F32(9, BH), *cache = F32R(10, 6 * BTH), *dy = F32(11, BTH), *dhT = F32(12, BH), *dcT = F32(13, BH);
  float *dx = F32(14, BT * I), *dh0 = F32(15, BH), *dc0 = F32(16, BH), *dwih = F32R(17, G * I), *dwhh = F32R(18, G * H);
  float *dbih = F32(19, G), *dbhh = F32(20, G), *work = F32R(21, 4 * BTH + 3 * BH);
  float *ws = F32R(22, recurrent_work_bytes(1, H) / 4);
  CHECKED;
  const SeqJob j = {.B = B, .T = T, .I = I, .H = H, .reverse = reverse, .x = x, .wih = wih, .whh = whh, .hm = hm,
                    .mask = mask, .cache = (float *)cache, .dy = dy, .dhT = dhT, .dcT = dcT, .dx = dx, .dh0 = dh0,
                    .dc0 = dc0, .dwih = dwih, .dwhh = dwhh, .dbih = dbih, .dbhh = dbhh, .work = work};
  if (lstm_backward_steps(c->m, &j, ws) || seq_backward_parts(c->m, lstm_backward_rows_run, lstm_backward_grads_run, &j, 1, 4, ws))
    return NULL;
  lstm_backward(B, T, I, H, x, wih, whh, mask, reverse, hm, cache, dy, dhT, dcT, dx, dh0, dc0, dwih, dwhh, dbih, dbhh,
                work, ws);
  return NULL;
}

/* Optimizers (csrc/optim.c): state arrays are required when the option that uses them is on. */
static napi_value js_sgd_step(napi_env env, napi_callback_info info) {
  CALL(sgd_step);
  sizes_ok(c, 0, 1);
  const int n = ci(c, 0);
  const double momentum = c->a[5];
  float *p = F32R(1, n), *b = (float *)cp(c, 3, n, 4, momentum != 0);
  const float *g = F32R(2, n);
  const int nesterov = ci(c, 8), maximize = ci(c, 9), firstStep = ci(c, 10);
  CHECKED;
  sgd_step(n, p, g, b, c->a[4], momentum, c->a[6], c->a[7], nesterov, maximize, firstStep);
  return NULL;
}

typedef struct {
  int n, amsgrad, decoupled, maximize;
  float *p, *m, *v, *vmax;
  const float *g;
  const double *a; /* the argument block: a[6..12] are the scalars */
} AdamJob;

static void adam_run(const void *job, int part, int np, float *ws) {
  const AdamJob *j = (const AdamJob *)job;
  const double *a = j->a;
  adam_step_part(part, np, ws, j->n, j->p, j->g, j->m, j->v, j->vmax, a[6], a[7], a[8], a[9], a[10], a[11], a[12],
                 j->amsgrad, j->decoupled, j->maximize);
}

static napi_value js_adam_step(napi_env env, napi_callback_info info) {
  CALL(adam_step);
  sizes_ok(c, 0, 1);
  const int n = ci(c, 0), amsgrad = ci(c, 13), decoupled = ci(c, 14), maximize = ci(c, 15);
  float *p = F32R(1, n), *m = F32R(3, n), *v = F32R(4, n), *vmax = (float *)cp(c, 5, n, 4, amsgrad != 0);
  const float *g = F32R(2, n);
  CHECKED;
  const double *a = c->a;
  /* Large tensors in parts of ≥ 16K elements (≈ 30 flops each, in double precision): same bits. */
  const AdamJob j = {n, amsgrad, decoupled, maximize, p, m, v, vmax, g, a};
  Pool *pool = &c->m->state->pool;
  if (run_parts(pool, adam_run, &j, parts_for(pool, n / 16384.0, 32.0 * n), c->m->state->scratch, 0)) return NULL;
  adam_step(n, p, g, m, v, vmax, a[6], a[7], a[8], a[9], a[10], a[11], a[12], amsgrad, decoupled, maximize);
  return NULL;
}

static napi_value js_rmsprop_step(napi_env env, napi_callback_info info) {
  CALL(rmsprop_step);
  sizes_ok(c, 0, 1);
  const int n = ci(c, 0), centered = ci(c, 11), maximize = ci(c, 12);
  const double momentum = c->a[10];
  float *p = F32R(1, n), *sq = F32R(3, n), *ga = (float *)cp(c, 4, n, 4, centered != 0);
  float *b = (float *)cp(c, 5, n, 4, momentum > 0);
  const float *g = F32R(2, n);
  CHECKED;
  const double *a = c->a;
  rmsprop_step(n, p, g, sq, ga, b, a[6], a[7], a[8], a[9], momentum, centered, maximize);
  return NULL;
}

static napi_value js_adagrad_step(napi_env env, napi_callback_info info) {
  CALL(adagrad_step);
  sizes_ok(c, 0, 1);
  const int n = ci(c, 0), maximize = ci(c, 7);
  float *p = F32R(1, n), *sum = F32R(3, n);
  const float *g = F32R(2, n);
  CHECKED;
  adagrad_step(n, p, g, sum, c->a[4], c->a[5], c->a[6], maximize);
  return NULL;
}

/* Softmax cross-entropy (csrc/losses.c): targets must be ignoreIndex or a class. */
static napi_value js_softmax_xent_rows(napi_env env, napi_callback_info info) {
  CALL(softmax_xent_rows);
  sizes_ok(c, 0, 2);
  const int N = ci(c, 0), C = ci(c, 1), smoothing = ci(c, 5);
  const int64_t NC = (int64_t)N * C;
  const float *z = F32R(2, NC), *w = F32(4, C);
  float *probs = F32R(3, NC);
  double *stats = F64R(6, 3 * (int64_t)N);
  CHECKED;
  softmax_xent_rows(N, C, z, probs, w, smoothing, stats);
  return NULL;
}

static napi_value js_softmax_xent_backward(napi_env env, napi_callback_info info) {
  CALL(softmax_xent_backward);
  sizes_ok(c, 0, 2);
  const int N = ci(c, 0), C = ci(c, 1), ignoreIndex = ci(c, 3);
  const int64_t NC = (int64_t)N * C;
  const int *targets = I32R(2, N);
  const float *w = F32(4, C), *dl = F32(8, N), *probs = F32R(9, NC);
  float *dz = F32R(10, NC);
  if (!c->err[0])
    for (int i = 0; i < N; i++)
      if (targets[i] != ignoreIndex && (targets[i] < 0 || targets[i] >= C)) fail(c, 2, "(targets) holds a class out of range");
  CHECKED;
  softmax_xent_backward(N, C, targets, ignoreIndex, w, c->a[5], c->a[6], c->a[7], dl, probs, dz);
  return NULL;
}

/* Embedding (csrc/embedding.c): every row an id selects must lie in the memory. */
static napi_value js_embedding_forward(napi_env env, napi_callback_info info) {
  CALL(embedding_forward);
  sizes_ok(c, 0, 2);
  const int N = ci(c, 0), E = ci(c, 1);
  const int *ids = I32R(2, N);
  float *y = F32R(4, (int64_t)N * E);
  if (!c->err[0] && N > 0) rows_ok(c, 3, ids, N, E, INT32_MIN);
  CHECKED;
  if (N > 0) embedding_forward(N, E, ids, (const float *)(c->m->base + (int64_t)c->a[3]), y);
  return NULL;
}

static napi_value js_embedding_backward(napi_env env, napi_callback_info info) {
  CALL(embedding_backward);
  sizes_ok(c, 0, 2);
  const int N = ci(c, 0), E = ci(c, 1), pad = ci(c, 5);
  const int *ids = I32R(2, N);
  const float *dy = F32R(3, (int64_t)N * E);
  if (!c->err[0] && N > 0) rows_ok(c, 4, ids, N, E, pad);
  CHECKED;
  if (N > 0) embedding_backward(N, E, ids, dy, (float *)(c->m->base + (int64_t)c->a[4]), pad);
  return NULL;
}

/* CTC (csrc/ctc.c): blank, lengths and the targets in use must index inside their arrays. */
/* ti: the argument index of targets (input and target lengths follow it). */
static void ctc_ints_ok(Call *c, int ti, int B, int T, int C, int S, int blank, const int *tg, const int *il,
                        const int *tl) {
  if (c->err[0]) return;
  if (blank < 0 || blank >= C) {
    fail(c, 4, "(blank) is not a class");
    return;
  }
  for (int b = 0; b < B; b++) {
    if (il[b] < 0 || il[b] > T) {
      fail(c, ti + 1, "(input lengths) holds a length outside [0, T]");
      return;
    }
    if (tl[b] < 0 || tl[b] > S) {
      fail(c, ti + 2, "(target lengths) holds a length outside [0, S]");
      return;
    }
    for (int s = 0; s < tl[b]; s++)
      if (tg[b * S + s] < 0 || tg[b * S + s] >= C) {
        fail(c, ti, "(targets) holds a class out of range");
        return;
      }
  }
}

static napi_value js_ctc_forward(napi_env env, napi_callback_info info) {
  CALL(ctc_forward);
  sizes_ok(c, 0, 4);
  const int B = ci(c, 0), T = ci(c, 1), C = ci(c, 2), S = ci(c, 3), blank = ci(c, 4);
  const int64_t BTC = (int64_t)B * T * C, W = 2 * (int64_t)S + 1;
  const float *z = F32R(5, BTC);
  const int *tg = I32R(6, (int64_t)B * S), *il = I32R(7, B), *tl = I32R(8, B);
  float *lp = F32R(9, BTC);
  double *alpha = F64R(10, (int64_t)B * T * W), *nll = F64R(11, B);
  if (!c->err[0] && B > 0 && C <= 0) fail(c, 2, "(classes) must be positive");
  ctc_ints_ok(c, 6, B, T, C, S, blank, tg, il, tl);
  CHECKED;
  ctc_forward(B, T, C, S, blank, z, tg, il, tl, lp, alpha, nll);
  return NULL;
}

static napi_value js_ctc_backward(napi_env env, napi_callback_info info) {
  CALL(ctc_backward);
  sizes_ok(c, 0, 4);
  const int B = ci(c, 0), T = ci(c, 1), C = ci(c, 2), S = ci(c, 3), blank = ci(c, 4);
  const int64_t BTC = (int64_t)B * T * C, W = 2 * (int64_t)S + 1;
  const int *tg = I32R(5, (int64_t)B * S), *il = I32R(6, B), *tl = I32R(7, B);
  const float *lp = F32R(8, BTC);
  const double *alpha = F64R(9, (int64_t)B * T * W), *nll = F64R(10, B), *dnll = F64R(11, B);
  float *dz = F32R(12, BTC);
  double *work = F64R(13, C + T * W);
  if (!c->err[0] && B > 0 && C <= 0) fail(c, 2, "(classes) must be positive");
  ctc_ints_ok(c, 5, B, T, C, S, blank, tg, il, tl);
  CHECKED;
  ctc_backward(B, T, C, S, blank, tg, il, tl, lp, alpha, nll, dnll, dz, work);
  return NULL;
}

static napi_value js_sigmoid_f32(napi_env env, napi_callback_info info) {
  CALL(sigmoid_f32);
  sizes_ok(c, 0, 1);
  const int n = ci(c, 0);
  const float *x = F32R(1, n);
  float *y = F32R(2, n);
  CHECKED;
  sigmoid_f32(n, x, y);
  return NULL;
}

static napi_value js_tanh_f32(napi_env env, napi_callback_info info) {
  CALL(tanh_f32);
  sizes_ok(c, 0, 1);
  const int n = ci(c, 0);
  const float *x = F32R(1, n);
  float *y = F32R(2, n);
  CHECKED;
  tanh_f32(n, x, y);
  return NULL;
}

/* The functions of a binding. */
static const struct {
  const char *name;
  napi_callback cb;
} BINDING_FUNCTIONS[] = {
    {"sgemm", js_sgemm},
    {"refresh", js_refresh},
    {"sgemm_scratch_bytes", js_sgemm_scratch_bytes},
    {"recurrent_work_bytes", js_recurrent_work_bytes},
    {"rnn_forward", js_rnn_forward},
    {"rnn_backward", js_rnn_backward},
    {"lstm_forward", js_lstm_forward},
    {"lstm_backward", js_lstm_backward},
    {"gru_forward", js_gru_forward},
    {"gru_backward", js_gru_backward},
    {"sgd_step", js_sgd_step},
    {"adam_step", js_adam_step},
    {"rmsprop_step", js_rmsprop_step},
    {"adagrad_step", js_adagrad_step},
    {"softmax_xent_rows", js_softmax_xent_rows},
    {"softmax_xent_backward", js_softmax_xent_backward},
    {"embedding_forward", js_embedding_forward},
    {"embedding_backward", js_embedding_backward},
    {"ctc_forward", js_ctc_forward},
    {"ctc_backward", js_ctc_backward},
    {"sigmoid_f32", js_sigmoid_f32},
    {"tanh_f32", js_tanh_f32},
};
#define N_BINDING_FUNCTIONS (int)(sizeof BINDING_FUNCTIONS / sizeof BINDING_FUNCTIONS[0])

/* attach(view, argsOffset) → a binding { sgemm, refresh } for that memory. */
static napi_value js_attach(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  State *s;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&s) != napi_ok) return NULL;
  int64_t args;
  if (argc < 2 || napi_get_value_int64(env, argv[1], &args) != napi_ok)
    return throw_error(env, "recurrent native: attach() needs a view over the memory and the offset of the argument block");
  Binding *b = (Binding *)calloc(1, sizeof(Binding));
  if (!b) return throw_error(env, "recurrent native: out of memory");
  b->state = s;
  if (!take_view(env, b, argv[0])) {
    free(b);
    return NULL;
  }
  if (args < 0 || (args & 7) != 0 || (uint64_t)args + ARGS_MAX * 8u > b->length) {
    napi_delete_reference(env, b->view);
    free(b);
    return throw_range(env, "recurrent native: attach(): the argument block lies outside the memory or is not 8-byte aligned");
  }
  b->args = (uint64_t)args;
  napi_value obj;
  if (napi_create_object(env, &obj) != napi_ok) {
    napi_delete_reference(env, b->view);
    free(b);
    return throw_error(env, "recurrent native: cannot create the binding");
  }
  /* From the first finalizer registered on, the functions own the binding. */
  for (int i = 0; i < N_BINDING_FUNCTIONS; i++) {
    napi_value f;
    if (napi_create_function(env, BINDING_FUNCTIONS[i].name, NAPI_AUTO_LENGTH, BINDING_FUNCTIONS[i].cb, b, &f) != napi_ok ||
        napi_add_finalizer(env, f, b, release_binding, NULL, NULL) != napi_ok) {
      if (b->live == 0) {
        napi_delete_reference(env, b->view);
        free(b);
      }
      return throw_error(env, "recurrent native: cannot create the binding");
    }
    b->live++;
    if (napi_set_named_property(env, obj, BINDING_FUNCTIONS[i].name, f) != napi_ok)
      return throw_error(env, "recurrent native: cannot create the binding");
  }
  return obj;
}

/*
 * NULL when this CPU has every instruction set the kernels were compiled for (the RECURRENT_NEED_*
 * macros, from the compiler's -march=native), else the name of the first one it lacks.
 */
static const char *missing_cpu_feature(void) {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
#ifdef RECURRENT_NEED_SSE4_2
  if (!__builtin_cpu_supports("sse4.2")) return "sse4.2";
#endif
#ifdef RECURRENT_NEED_AVX
  if (!__builtin_cpu_supports("avx")) return "avx";
#endif
#ifdef RECURRENT_NEED_AVX2
  if (!__builtin_cpu_supports("avx2")) return "avx2";
#endif
#ifdef RECURRENT_NEED_FMA
  if (!__builtin_cpu_supports("fma")) return "fma";
#endif
#ifdef RECURRENT_NEED_BMI2
  if (!__builtin_cpu_supports("bmi2")) return "bmi2";
#endif
#ifdef RECURRENT_NEED_AVX512F
  if (!__builtin_cpu_supports("avx512f")) return "avx512f";
#endif
#ifdef RECURRENT_NEED_AVX512VL
  if (!__builtin_cpu_supports("avx512vl")) return "avx512vl";
#endif
#ifdef RECURRENT_NEED_AVX512BW
  if (!__builtin_cpu_supports("avx512bw")) return "avx512bw";
#endif
#ifdef RECURRENT_NEED_AVX512DQ
  if (!__builtin_cpu_supports("avx512dq")) return "avx512dq";
#endif
#endif
  return NULL;
}

static int set_string(napi_env env, napi_value exports, const char *name, const char *value) {
  napi_value v;
  return napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v) == napi_ok &&
         napi_set_named_property(env, exports, name, v) == napi_ok;
}

/* The State of a module-level function. */
static State *state_of(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  State *s = NULL;
  if (napi_get_cb_info(env, info, argc, argv, NULL, (void **)&s) != napi_ok) return NULL;
  return s;
}

/*
 * setThreads(n) → the threads the kernels now use: n (1 … 64), or 1 without pthreads. A running
 * pool of another size stops here (joined) and the next split job starts one of the new size.
 */
static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  State *s = state_of(env, info, &argc, argv);
  if (!s) return NULL;
  int32_t n = 0;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &n) != napi_ok || n < 1 || n > MAX_THREADS)
    return throw_range(env, "recurrent native: setThreads() needs an integer from 1 to 64");
  s->pool.want = HAVE_THREADS ? n : 1;
#if HAVE_THREADS
  if (s->pool.n != 0 && s->pool.sizedFor != s->pool.want) pool_stop(&s->pool);
#endif
  napi_value r;
  napi_create_int32(env, s->pool.want, &r);
  return r;
}

/* stopThreads(): joins the pool's threads now (they start again on the next split job). */
static napi_value js_stop_threads(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  State *s = state_of(env, info, &argc, NULL);
  if (s) stop_threads_hook(s);
  return NULL;
}

/* contentionGuard(on) → the previous setting (tests turn the guard off to see every job split). */
static napi_value js_contention_guard(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  State *s = state_of(env, info, &argc, argv);
  if (!s) return NULL;
  bool on = true;
  if (argc < 1 || napi_get_value_bool(env, argv[0], &on) != napi_ok)
    return throw_error(env, "recurrent native: contentionGuard() needs a boolean");
  napi_value r;
  napi_get_boolean(env, s->pool.guardOn != 0, &r);
  s->pool.guardOn = on;
#if HAVE_THREADS
  if (!on) s->pool.backoffUntil = 0;
#endif
  return r;
}

static int set_number(napi_env env, napi_value obj, const char *name, double v) {
  napi_value x;
  return napi_create_double(env, v, &x) == napi_ok && napi_set_named_property(env, obj, name, x) == napi_ok;
}

/*
 * threadStats() → { threads, workers, jobs, workerParts, guarded }: the setting, the threads
 * running beside the caller, jobs split and parts workers ran since the pool started, and jobs the
 * contention guard kept on the calling thread.
 */
static napi_value js_thread_stats(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  State *s = state_of(env, info, &argc, NULL);
  if (!s) return NULL;
  double workers = 0, jobs = 0, parts = 0, guarded = 0;
#if HAVE_THREADS
  if (s->pool.n > 0) {
    workers = s->pool.n - 1;
    jobs = (double)s->pool.jobs;
    parts = (double)atomic_load(&s->pool.workerParts);
    guarded = (double)s->pool.guarded;
  }
#endif
  napi_value o;
  if (napi_create_object(env, &o) != napi_ok || !set_number(env, o, "threads", s->pool.want) ||
      !set_number(env, o, "workers", workers) || !set_number(env, o, "jobs", jobs) ||
      !set_number(env, o, "workerParts", parts) || !set_number(env, o, "guarded", guarded))
    return throw_error(env, "recurrent native: cannot report thread statistics");
  return o;
}

static const struct {
  const char *name;
  napi_callback cb;
} MODULE_FUNCTIONS[] = {
    {"attach", js_attach},
    {"setThreads", js_set_threads},
    {"stopThreads", js_stop_threads},
    {"contentionGuard", js_contention_guard},
    {"threadStats", js_thread_stats},
};

NAPI_MODULE_INIT() {
  const char *missing = missing_cpu_feature();
  if (missing) {
    char msg[200];
    strcpy(msg, "recurrent native: built for a CPU with ");
    strcat(msg, missing);
    strcat(msg, ", which this one lacks (rebuild with: npm run build:native)");
    return throw_error(env, msg);
  }
  State *s = (State *)calloc(1, sizeof(State));
  if (!s) return throw_error(env, "recurrent native: out of memory");
  s->scratch = (float *)aligned_alloc(64, ((size_t)sgemm_scratch_bytes() + 63) / 64 * 64);
  s->pool.want = 1;
  s->pool.guardOn = 1;
  if (!s->scratch || napi_set_instance_data(env, s, free_state, NULL) != napi_ok) {
    free(s->scratch);
    free(s);
    return throw_error(env, "recurrent native: out of memory");
  }
  /* Registered after the instance data, so it runs before free_state (hooks run in reverse order). */
  if (napi_add_env_cleanup_hook(env, stop_threads_hook, s) != napi_ok)
    return throw_error(env, "recurrent native: cannot register the thread cleanup");
  for (size_t i = 0; i < sizeof MODULE_FUNCTIONS / sizeof MODULE_FUNCTIONS[0]; i++) {
    napi_value f;
    if (napi_create_function(env, MODULE_FUNCTIONS[i].name, NAPI_AUTO_LENGTH, MODULE_FUNCTIONS[i].cb, s, &f) != napi_ok ||
        napi_set_named_property(env, exports, MODULE_FUNCTIONS[i].name, f) != napi_ok)
      return throw_error(env, "recurrent native: cannot set exports");
  }
  napi_value args_max, has_threads;
  if (napi_create_uint32(env, ARGS_MAX, &args_max) != napi_ok ||
      napi_get_boolean(env, HAVE_THREADS, &has_threads) != napi_ok ||
      napi_set_named_property(env, exports, "threadsSupported", has_threads) != napi_ok ||
      napi_set_named_property(env, exports, "argsMax", args_max) != napi_ok ||
      !set_string(env, exports, "buildInfo", RECURRENT_BUILD_INFO) ||
      !set_string(env, exports, "sourceHash", RECURRENT_SOURCE_HASH))
    return throw_error(env, "recurrent native: cannot set exports");
  return exports;
}
