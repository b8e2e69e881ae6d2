// A persistent thread pool: the calling thread plus (threads - 1) workers. A job runs on as many
// threads as its size is worth (threads_for), and wakes only those workers.
#pragma once
#include <algorithm>
#include <cstdint>

namespace gs {

// Threads the pool has (the caller included): GRADSTACK_NUM_THREADS, else the core count.
int num_threads();

// Threads worth using for a kernel of `work` units when each thread should get at least
// `min_per_thread` of them (so that waking a worker pays for itself): 1 for small kernels, which
// then run on the calling thread alone, and at most num_threads().
inline int threads_for(double work, double min_per_thread) {
  const double t = min_per_thread > 0 ? work / min_per_thread : work;
  return !(t >= 2) ? 1 : static_cast<int>(std::min<double>(t, num_threads()));
}

using TaskFn = void (*)(void* ctx, int64_t task, int tid);

// Runs fn(ctx, t, tid) for every t in [0, ntasks) on at most `max_threads` threads (0: all), the
// caller taking part; returns when all are done. Which thread runs which task varies from run to
// run, so a task's arithmetic must not depend on it; `tid` (< num_threads()) is for per-thread
// scratch. Runs serially on the caller (tid 0) when only one thread is wanted, or when the pool is
// busy with a call from another JS thread or from inside a task.
void run_tasks(int64_t ntasks, TaskFn fn, void* ctx, int max_threads = 0);

// f(begin, end) over [0, n) in at most num_threads() contiguous chunks of at least `grain` items,
// one thread per chunk. The chunking depends on the thread count, so f's results must not.
template <class F>
void parallel_for(int64_t n, int64_t grain, const F& f) {
  int64_t t = num_threads();
  if (grain < 1) grain = 1;
  int64_t chunks = std::min<int64_t>(t, n / grain);
  if (chunks <= 1) {
    if (n > 0) f(int64_t(0), n);
    return;
  }
  struct Ctx {
    const F* f;
    int64_t n, chunks;
  } ctx{&f, n, chunks};
  run_tasks(
      chunks,
      [](void* c, int64_t i, int) {
        Ctx* x = static_cast<Ctx*>(c);
        int64_t b = x->n * i / x->chunks, e = x->n * (i + 1) / x->chunks;
        (*x->f)(b, e);
      },
      &ctx, static_cast<int>(chunks));
}

}  // namespace gs
