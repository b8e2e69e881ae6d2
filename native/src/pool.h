// A persistent thread pool: the calling thread plus (threads - 1) workers.
#pragma once
#include <algorithm>
#include <cstdint>

namespace gs {

// Threads used for large kernels (the caller included): GRADSTACK_NUM_THREADS, else the core count.
int num_threads();

using TaskFn = void (*)(void* ctx, int64_t task, int tid);

// Runs fn(ctx, t, tid) for every t in [0, ntasks), on the pool with the caller taking part; returns
// when all are done. `tid` (< num_threads()) names the thread running the task, for per-thread
// scratch. Runs serially on the caller (tid 0) when ntasks <= 1, the pool has one thread, or the pool
// is busy with a call from another JS thread.
void run_tasks(int64_t ntasks, TaskFn fn, void* ctx);

// f(begin, end) over [0, n) in at most num_threads() contiguous chunks of at least `grain` items.
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
      &ctx);
}

}  // namespace gs
