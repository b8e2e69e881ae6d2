#include "pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>

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

using Clock = std::chrono::steady_clock;

// An integer setting from the environment: `fallback` when unset or below `lo`, at most `hi`.
int env_int(const char* name, int fallback, int lo, int hi) {
  const char* env = std::getenv(name);
  if (env == nullptr || *env == '\0') return fallback;
  char* end = nullptr;
  const long v = std::strtol(env, &end, 10);
  if (end == env || v < lo) return fallback;
  return static_cast<int>(std::min<long>(v, hi));
}

int configured_threads() {
  unsigned hc = std::thread::hardware_concurrency();
  return env_int("GRADSTACK_NUM_THREADS", hc == 0 ? 1 : static_cast<int>(std::min<unsigned>(hc, 256)), 1, 256);
}

// How long an idle worker keeps polling for the next job before it sleeps (kernels come in bursts
// with short gaps of JavaScript between them). It polls with pause instructions for the first
// PAUSE_US, then yields the core between polls, so that on a busy machine the waiting costs the
// other processes (and this process's own caller thread) little. GRADSTACK_SPIN_US=0: sleep at once.
constexpr int PAUSE_US = 20;
int spin_us() {
  static const int us = env_int("GRADSTACK_SPIN_US", 200, 0, 1000000);
  return us;
}

// Polls `ready` until it returns true or `budget_us` have passed: pause instructions at first, then
// yielding the core. Returns whether `ready` came true.
template <class Ready>
bool poll(const Ready& ready, int budget_us) {
  const auto start = Clock::now();
  for (uint32_t i = 0;; i++) {
    if (ready()) return true;
    if ((i & 63) != 63) {
      cpu_relax();
      continue;
    }
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
    if (us >= budget_us) return false;
    if (us >= PAUSE_US) std::this_thread::yield();
  }
}

// The job is one 64-bit word: generation (24 bits) | threads wanted - 1 (8 bits) | tasks not yet
// claimed (32 bits). A thread claims a task by decrementing that count with a compare-and-swap, so a
// worker that wakes late, after its job has ended, claims nothing and never reads the job's fields;
// the caller therefore waits only for the tasks, not for every worker to check in.
struct Job {
  static uint64_t make(uint64_t gen, int want, int64_t tasks) {
    return (gen & 0xffffff) << 40 | static_cast<uint64_t>(want - 1) << 32 | static_cast<uint64_t>(tasks);
  }
  static uint32_t gen(uint64_t s) { return static_cast<uint32_t>(s >> 40); }
  static int want(uint64_t s) { return static_cast<int>((s >> 32) & 0xff) + 1; }
  static uint32_t left(uint64_t s) { return static_cast<uint32_t>(s); }
};

thread_local bool in_task = false;  // a task that calls run_tasks runs that call serially

class Pool {
 public:
  explicit Pool(int n) : n_(n), workers_(new Worker[n]) {
    for (int i = 1; i < n_; i++) std::thread([this, i] { work(i); }).detach();  // lives as long as the process
  }

  void run(int64_t ntasks, TaskFn fn, void* ctx, int want) {
    want = static_cast<int>(std::min<int64_t>({int64_t(want), int64_t(n_), ntasks}));
    if (want <= 1 || ntasks > INT32_MAX || in_task || !call_mu_.try_lock()) {
      serial(ntasks, fn, ctx);
      return;
    }
    fn_ = fn;
    ctx_ = ctx;
    ntasks_ = ntasks;
    done_.store(0, std::memory_order_relaxed);
    gen_ = (gen_ + 1) & 0xffffff;
    // seq_cst, like the sleeping flags: a worker that has not yet seen this job either sees it when
    // it checks before sleeping, or is seen asleep here and woken.
    state_.store(Job::make(gen_, want, ntasks), std::memory_order_seq_cst);
    for (int i = 1; i < want; i++) {
      Worker& w = workers_[i];
      if (w.sleeping.load(std::memory_order_seq_cst)) {
        std::lock_guard<std::mutex> lk(w.mu);
        w.cv.notify_one();
      }
    }
    in_task = true;
    claim_tasks(0, gen_);
    in_task = false;
    while (!poll([&] { return done_.load(std::memory_order_acquire) == ntasks; }, INT32_MAX)) {
    }
    call_mu_.unlock();
  }

 private:
  struct alignas(64) Worker {
    std::mutex mu;
    std::condition_variable cv;
    std::atomic<bool> sleeping{false};
  };

  static void serial(int64_t ntasks, TaskFn fn, void* ctx) {
    for (int64_t t = 0; t < ntasks; t++) fn(ctx, t, 0);
  }

  // Claims and runs tasks of job `gen` until none are left, then reports how many it ran.
  void claim_tasks(int tid, uint32_t gen) {
    int64_t ran = 0;
    uint64_t s = state_.load(std::memory_order_acquire);
    while (Job::gen(s) == gen && Job::left(s) > 0) {
      if (!state_.compare_exchange_weak(s, s - 1, std::memory_order_acq_rel, std::memory_order_acquire))
        continue;
      // The claim keeps the job open, so its fields hold still until this task is reported done.
      fn_(ctx_, ntasks_ - Job::left(s), tid);
      ran++;
      s = state_.load(std::memory_order_acquire);
    }
    if (ran > 0) done_.fetch_add(ran, std::memory_order_release);
  }

  void work(int tid) {
    Worker& w = workers_[tid];
    uint32_t seen = 0;
    uint64_t job = 0;
    // A new job that wants this worker (lower tids are asked first) and has tasks left.
    auto wanted = [&] {
      const uint64_t s = state_.load(std::memory_order_seq_cst);
      if (Job::gen(s) == seen) return false;
      seen = Job::gen(s);
      job = s;
      return tid < Job::want(s) && Job::left(s) > 0;
    };
    for (;;) {
      if (!poll(wanted, spin_us())) {
        std::unique_lock<std::mutex> lk(w.mu);
        w.sleeping.store(true, std::memory_order_seq_cst);
        while (!wanted()) w.cv.wait(lk);
        w.sleeping.store(false, std::memory_order_relaxed);
      }
      in_task = true;
      claim_tasks(tid, Job::gen(job));
      in_task = false;
    }
  }

  const int n_;
  std::unique_ptr<Worker[]> workers_;
  std::mutex call_mu_;  // one job at a time (several JS threads may share the pool)
  alignas(64) std::atomic<uint64_t> state_{0};
  alignas(64) std::atomic<int64_t> done_{0};
  // The job's fields, written before state_ publishes it (and read only by a thread holding a claim).
  alignas(64) TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  int64_t ntasks_ = 0;
  uint32_t gen_ = 0;  // the caller's, under call_mu_
};

Pool* pool() {
  static Pool* p = new Pool(num_threads());  // leaked on purpose: no teardown at exit
  return p;
}

}  // namespace

int num_threads() {
  static int n = configured_threads();
  return n;
}

void run_tasks(int64_t ntasks, TaskFn fn, void* ctx, int max_threads) {
  if (ntasks <= 0) return;
  const int want = max_threads <= 0 ? num_threads() : std::min(max_threads, num_threads());
  if (ntasks == 1 || want == 1) {
    for (int64_t t = 0; t < ntasks; t++) fn(ctx, t, 0);
    return;
  }
  pool()->run(ntasks, fn, ctx, want);
}

}  // namespace gs
