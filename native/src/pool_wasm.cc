// The pool of the single-threaded WebAssembly build (pool.cc needs OS threads): every job runs on the
// calling thread, in task order.
#include "pool.h"

namespace gs {

int num_threads() { return 1; }

void run_tasks(int64_t ntasks, TaskFn fn, void* ctx, int) {
  for (int64_t t = 0; t < ntasks; t++) fn(ctx, t, 0);
}

}  // namespace gs
