// The pool of the WebAssembly build (pool.cc needs OS threads). Its threads are JS workers
// (src/backend/wasm/), each running an instance of the module over the same shared memory with a
// stack and thread-local block of its own, parked in gs_worker() on memory.atomic.wait32. A job is
// published as pool.cc publishes it: one 64-bit word, generation | tasks not yet claimed, that a
// thread claims a task from with a compare-and-swap, so a worker that wakes after its job ended
// claims nothing. Without workers (gs_set_threads never called, or 1) every job runs on the caller.
// Notifies are sent only to threads that sleep. An idle worker may poll a while before it sleeps, as
// pool.cc's workers do (gs_set_spin; GRADSTACK_WASM_SPIN in Node): off by default, because wasm has no
// way to yield the core between polls, and on a machine with more busy threads than cores (2 cores,
// a loaded CI) polling workers delayed the caller more than it saved (BENCHMARKS.md). The caller,
// which has nothing else to do once its own tasks are done, polls briefly (CALLER_POLLS, a few
// microseconds) before it sleeps: the workers' share of an evenly split job usually ends about when
// the caller's does, and a sleep then costs a wake-up round trip (notify, the OS's wake latency) on
// every parallel kernel.
// The build without shared memory (no atomics: pages that are not cross-origin isolated) has no
// workers at all: its pool runs every job on the caller.
#include "pool.h"

#define GS_EXPORT(name) extern "C" __attribute__((export_name(#name)))

#if defined(__wasm_atomics__)
#include <atomic>

namespace gs {
namespace {

int configured = 1;                 // threads, the caller included (gs_set_threads)
std::atomic<int> started{0};        // workers parked in gs_worker so far
std::atomic<uint32_t> wake{0};      // the futex workers wait on: the generation of the last job
std::atomic<uint64_t> state{0};     // generation (32 bits) | tasks not yet claimed (32 bits)
std::atomic<uint32_t> finished{0};  // tasks of the current job done (the caller waits on it)
std::atomic<int> busy{0};           // one job at a time
std::atomic<uint32_t> worker_tasks{0};  // tasks the workers ran (tests check that they take part)
std::atomic<int> sleepers{0};           // workers in (or about to enter) the wait on `wake`
std::atomic<int> caller_sleeps{0};      // 1 while the caller waits on `finished`
// Atomic loads an idle worker makes before it sleeps; 0: none.
uint32_t spin_polls = 0;
// Atomic loads the caller makes, waiting for the workers' tasks, before it sleeps.
constexpr uint32_t CALLER_POLLS = 1 << 14;
uint32_t caller_polls = CALLER_POLLS;
// The job's fields, written before `state` publishes it and read only under a claim.
TaskFn job_fn = nullptr;
void* job_ctx = nullptr;
uint32_t job_tasks = 0;
int job_want = 1;
uint32_t generation = 0;
thread_local bool in_task = false;  // a task that calls run_tasks runs that call serially

inline uint32_t gen_of(uint64_t s) { return static_cast<uint32_t>(s >> 32); }
inline uint32_t left_of(uint64_t s) { return static_cast<uint32_t>(s); }

// Polls `ready` up to `polls` times; whether it came true.
template <class Ready>
bool poll(const Ready& ready, uint32_t polls) {
  for (uint32_t i = 0; i < polls; i++)
    if (ready()) return true;
  return false;
}

void claim(uint32_t gen, int tid) {
  uint32_t ran = 0;
  uint64_t s = state.load(std::memory_order_acquire);
  while (gen_of(s) == gen && left_of(s) > 0) {
    if (!state.compare_exchange_weak(s, s - 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
    job_fn(job_ctx, job_tasks - left_of(s), tid);
    ran++;
    s = state.load(std::memory_order_acquire);
  }
  if (tid > 0 && ran > 0) worker_tasks.fetch_add(ran, std::memory_order_relaxed);
  // seq_cst, as the caller's flag: either the caller sees the last task done before it sleeps, or
  // it is seen asleep here and woken.
  if (ran > 0 && finished.fetch_add(ran, std::memory_order_seq_cst) + ran == job_tasks &&
      caller_sleeps.load(std::memory_order_seq_cst) != 0)
    __builtin_wasm_memory_atomic_notify(reinterpret_cast<int*>(&finished), 1);
}

void serial(int64_t ntasks, TaskFn fn, void* ctx) {
  for (int64_t t = 0; t < ntasks; t++) fn(ctx, t, 0);
}

}  // namespace

int num_threads() { return configured; }

void run_tasks(int64_t ntasks, TaskFn fn, void* ctx, int max_threads) {
  if (ntasks <= 0) return;
  int want = max_threads <= 0 ? configured : (max_threads < configured ? max_threads : configured);
  const int present = started.load(std::memory_order_acquire) + 1;
  if (want > present) want = present;
  if (want <= 1 || ntasks == 1 || ntasks > 0x7fffffff || in_task) return serial(ntasks, fn, ctx);
  int expected = 0;
  if (!busy.compare_exchange_strong(expected, 1, std::memory_order_acquire)) return serial(ntasks, fn, ctx);
  job_fn = fn;
  job_ctx = ctx;
  job_tasks = static_cast<uint32_t>(ntasks);
  job_want = want;
  finished.store(0, std::memory_order_relaxed);
  generation++;
  state.store(static_cast<uint64_t>(generation) << 32 | job_tasks, std::memory_order_seq_cst);
  wake.store(generation, std::memory_order_seq_cst);
  // Every sleeping worker wakes (those past `want` go back to sleep): waking only want - 1 of them
  // could wake the wrong ones. seq_cst, as the workers' count: a worker either sees this job before
  // it sleeps or is counted here.
  if (sleepers.load(std::memory_order_seq_cst) != 0)
    __builtin_wasm_memory_atomic_notify(reinterpret_cast<int*>(&wake), 0xffffffffu);
  in_task = true;
  claim(generation, 0);
  in_task = false;
  if (!poll([] { return finished.load(std::memory_order_acquire) == job_tasks; }, caller_polls)) {
    caller_sleeps.store(1, std::memory_order_seq_cst);
    for (uint32_t f = finished.load(std::memory_order_seq_cst); f != job_tasks;
         f = finished.load(std::memory_order_seq_cst))
      __builtin_wasm_memory_atomic_wait32(reinterpret_cast<int*>(&finished), static_cast<int>(f), -1);
    caller_sleeps.store(0, std::memory_order_relaxed);
  }
  busy.store(0, std::memory_order_release);
}

}  // namespace gs

// Threads the pool may use, the caller included; set once, before the first kernel runs.
GS_EXPORT(gs_set_threads) void gs_set_threads(int n) { gs::configured = n < 1 ? 1 : n; }

// Polls an idle worker makes before it sleeps; set before the workers start.
GS_EXPORT(gs_set_spin) void gs_set_spin(unsigned polls) { gs::spin_polls = polls; }
// Polls the caller makes before it sleeps waiting for the workers (default CALLER_POLLS).
GS_EXPORT(gs_set_caller_spin) void gs_set_caller_spin(unsigned polls) { gs::caller_polls = polls; }

// Workers parked so far, and the tasks they have run.
GS_EXPORT(gs_workers_started) int gs_workers_started() { return gs::started.load(std::memory_order_acquire); }
GS_EXPORT(gs_worker_tasks) unsigned gs_worker_tasks() { return gs::worker_tasks.load(std::memory_order_relaxed); }

// A worker's life (tid >= 1): wait for a job that wants it, claim its tasks, repeat. Never returns.
GS_EXPORT(gs_worker) void gs_worker(int tid) {
  gs::started.fetch_add(1, std::memory_order_acq_rel);
  uint32_t seen = gs::wake.load(std::memory_order_acquire);
  for (;;) {
    uint32_t now = seen;
    if (!gs::poll([&] { return (now = gs::wake.load(std::memory_order_acquire)) != seen; }, gs::spin_polls)) {
      gs::sleepers.fetch_add(1, std::memory_order_seq_cst);
      while ((now = gs::wake.load(std::memory_order_seq_cst)) == seen)
        __builtin_wasm_memory_atomic_wait32(reinterpret_cast<int*>(&gs::wake), static_cast<int>(seen), -1);
      gs::sleepers.fetch_sub(1, std::memory_order_seq_cst);
    }
    seen = now;
    if (tid < gs::job_want) {
      gs::in_task = true;
      gs::claim(now, tid);
      gs::in_task = false;
    }
  }
}

#else  // no shared memory: one thread

namespace gs {
int num_threads() { return 1; }
void run_tasks(int64_t ntasks, TaskFn fn, void* ctx, int) {
  for (int64_t t = 0; t < ntasks; t++) fn(ctx, t, 0);
}
}  // namespace gs

GS_EXPORT(gs_set_threads) void gs_set_threads(int) {}
GS_EXPORT(gs_set_spin) void gs_set_spin(unsigned) {}
GS_EXPORT(gs_set_caller_spin) void gs_set_caller_spin(unsigned) {}
GS_EXPORT(gs_workers_started) int gs_workers_started() { return 0; }
GS_EXPORT(gs_worker_tasks) unsigned gs_worker_tasks() { return 0; }
#endif
