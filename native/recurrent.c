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
#include <stdlib.h>
#include <string.h>

#ifndef RECURRENT_BUILD_INFO
#define RECURRENT_BUILD_INFO "unknown build"
#endif
#ifndef RECURRENT_SOURCE_HASH
#define RECURRENT_SOURCE_HASH ""
#endif

/* The csrc/ kernels (compiled separately with -O3 -march=native). */
unsigned int sgemm_scratch_bytes(void);
void sgemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda, const float *B, int ldb,
           float beta, float *C, int ldc, float *scratch);

/* Doubles in the argument block. */
#define ARGS_MAX 32

/* Per environment. */
typedef struct {
  float *scratch; /* sgemm's packing workspace */
} State;

/* Per attach(): one memory. */
typedef struct {
  State *state;
  unsigned char *base; /* byte 0 of the memory */
  uint64_t length;     /* its length in bytes at the last attach()/refresh() */
  uint64_t args;       /* byte offset of the argument block */
  napi_ref view;       /* the view last given (keeps the backing store alive) */
  int live;            /* functions of this binding not yet garbage-collected */
} Binding;

static void free_state(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  State *s = (State *)data;
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

/*
 * sgemm(), arguments in the block: transA, transB, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc —
 * csrc/gemm.c's sgemm with byte offsets a, b, c into the memory (the wasm module's signature
 * without `scratch`: the add-on has its own).
 */
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
  sgemm(tA != 0, tB != 0, M, N, K, alpha, (const float *)(m->base + a), lda, (const float *)(m->base + b), ldb, beta,
        (float *)(m->base + c), ldc, m->state->scratch);
  return NULL;
}

/* The functions of a binding. */
static const struct {
  const char *name;
  napi_callback cb;
} BINDING_FUNCTIONS[] = {{"sgemm", js_sgemm}, {"refresh", js_refresh}};
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
  if (!s->scratch || napi_set_instance_data(env, s, free_state, NULL) != napi_ok) {
    free(s->scratch);
    free(s);
    return throw_error(env, "recurrent native: out of memory");
  }
  napi_value attach, args_max;
  if (napi_create_function(env, "attach", NAPI_AUTO_LENGTH, js_attach, s, &attach) != napi_ok ||
      napi_set_named_property(env, exports, "attach", attach) != napi_ok ||
      napi_create_uint32(env, ARGS_MAX, &args_max) != napi_ok ||
      napi_set_named_property(env, exports, "argsMax", args_max) != napi_ok ||
      !set_string(env, exports, "buildInfo", RECURRENT_BUILD_INFO) ||
      !set_string(env, exports, "sourceHash", RECURRENT_SOURCE_HASH))
    return throw_error(env, "recurrent native: cannot set exports");
  return exports;
}
