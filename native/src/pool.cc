#include "pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
static inline void cpu_relax() { _mm_pause(); }
#elif defined(__aarch64__)
static inline void cpu_relax() { asm volatile("yield" ::: "memory"); }
#else
static inline void cpu_relax() {}
#endif

namespace gs {
namespace {

int configured_threads() {
  const char* env = std::getenv("GRADSTACK_NUM_THREADS");
  if (env != nullptr && *env != '\0') {
    long v = std::strtol(env, nullptr, 10);
    if (v >= 1) return static_cast<int>(std::min<long>(v, 256));
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : static_cast<int>(std::min<unsigned>(hc, 256));
}

// Every job is run by all threads: each worker wakes, takes tasks until none are left, and checks
// out; the caller returns only when every worker has checked out, so no worker can touch a job's
// fields after it ends. Workers spin a little after a job (kernels tend to come in bursts), then
// sleep on a condition variable.
class Pool {
 public:
  explicit Pool(int n) : n_(n) {
    for (int i = 1; i < n_; i++) threads_.emplace_back([this, i] { work(i); });
    for (auto& t : threads_) t.detach();  // never joined: the pool lives as long as the process
  }

  int size() const { return n_; }

  void run(int64_t ntasks, TaskFn fn, void* ctx) {
    if (n_ == 1 || ntasks <= 1 || !call_mu_.try_lock()) {
      for (int64_t t = 0; t < ntasks; t++) fn(ctx, t, 0);
      return;
    }
    fn_ = fn;
    ctx_ = ctx;
    ntasks_ = ntasks;
    next_.store(0, std::memory_order_relaxed);
    checked_out_.store(0, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lk(mu_);
      gen_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    take_tasks(0);
    while (checked_out_.load(std::memory_order_acquire) < n_ - 1) cpu_relax();
    call_mu_.unlock();
  }

 private:
  void take_tasks(int tid) {
    for (;;) {
      int64_t t = next_.fetch_add(1, std::memory_order_relaxed);
      if (t >= ntasks_) break;
      fn_(ctx_, t, tid);
    }
  }

  void work(int tid) {
    uint64_t seen = 0;
    for (;;) {
      // Spin for about 200 µs, then sleep.
      auto start = std::chrono::steady_clock::now();
      bool got = false;
      for (int i = 0;; i++) {
        if (gen_.load(std::memory_order_acquire) != seen) {
          got = true;
          break;
        }
        cpu_relax();
        if ((i & 255) == 255 &&
            std::chrono::steady_clock::now() - start > std::chrono::microseconds(200))
          break;
      }
      if (!got) {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [&] { return gen_.load(std::memory_order_acquire) != seen; });
      }
      seen = gen_.load(std::memory_order_acquire);
      take_tasks(tid);
      checked_out_.fetch_add(1, std::memory_order_release);
    }
  }

  const int n_;
  std::vector<std::thread> threads_;
  std::mutex call_mu_;  // one parallel job at a time (several JS threads may share the pool)
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<uint64_t> gen_{0};
  std::atomic<int64_t> next_{0};
  std::atomic<int> checked_out_{0};
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  int64_t ntasks_ = 0;
};

Pool* pool() {
  static Pool* p = new Pool(configured_threads());  // leaked on purpose: no teardown at exit
  return p;
}

}  // namespace

int num_threads() {
  static int n = configured_threads();
  return n;
}

void run_tasks(int64_t ntasks, TaskFn fn, void* ctx) {
  if (ntasks <= 0) return;
  if (ntasks == 1 || num_threads() == 1) {
    for (int64_t t = 0; t < ntasks; t++) fn(ctx, t, 0);
    return;
  }
  pool()->run(ntasks, fn, ctx);
}

}  // namespace gs
