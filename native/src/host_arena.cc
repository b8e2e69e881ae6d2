// Memory for the CPU tensors' typed arrays that comes back for reuse as soon as V8 collects the
// ArrayBuffer over it (Node only; the wasm build has its own heap).
//
// Why: every fresh ArrayBuffer counts as V8 "external memory", and once 64 MiB more of it has been
// made since the last full collection V8 collects garbage, whatever the JS heap holds. A training step
// makes tens of MiB of activations that die at the end of the step, so a GPT step paid a scavenge and
// half a mark-compact (~2 ms, 15 µs an allocation on average) for memory that malloc could have
// handed straight back. Here a block is malloc'd once, wrapped in an ArrayBuffer whose backing store
// does not own it (V8 does not count such memory), and watched through a weak handle: V8 calls
// `on_collected` during the collection that finds the ArrayBuffer dead, with no event-loop turn needed
// (a synchronous training loop gets its memory back too; a FinalizationRegistry would wait for the
// loop). The handle watches the ArrayBuffer, not a typed array, so no view of it (typed array,
// subarray, Buffer) is left then. The block is reused once we hold the only reference to its backing
// store: V8 drops the dead ArrayBuffer's reference when it sweeps it (in the background, soon after),
// and a buffer transferred to a worker keeps the store referenced there until that copy dies too.
//
// The blocks held (live, waiting and free) stay under a budget; past it, allocation returns undefined
// and the JS side makes an ordinary ArrayBuffer, whose accounting makes V8 collect, which returns
// blocks. One isolate is served (the first that asks: the main thread's); others get undefined.
#include <node_api.h>
#include <v8.h>

#include <cstdlib>
#include <cstring>
#include <iterator>
#include <memory>
#include <unordered_map>
#include <vector>

namespace gs {
namespace {

constexpr size_t kBudgetBytes = size_t(128) << 20;
constexpr size_t kAlign = 64;

struct Block {
  v8::Global<v8::ArrayBuffer> handle;
  std::shared_ptr<v8::BackingStore> store;  // ours; use_count() 1 once no ArrayBuffer holds it
  size_t bytes;
};

// Touched only on the served isolate's thread (allocations, and weak callbacks, which V8 runs on
// that thread during a collection), so no lock.
struct Arena {
  v8::Isolate* isolate = nullptr;
  std::unordered_map<size_t, std::vector<void*>> free_blocks;  // by size in bytes
  std::vector<Block*> collected;  // ArrayBuffer collected, store maybe not yet swept
  size_t collected_at_last_look = 0;
  int misses_since_look = 0;
  std::unordered_map<v8::BackingStore*, Block*> live;  // blocks in live ArrayBuffers, by store
  // Stores of blocks given back by hostRelease while their ArrayBuffer lives: a second release of
  // that ArrayBuffer is ignored. Entries expire once V8 sweeps the ArrayBuffer.
  std::unordered_map<v8::BackingStore*, std::weak_ptr<v8::BackingStore>> released;
  size_t live_bytes = 0;  // in ArrayBuffers, live or collected
  size_t free_bytes = 0;
  double made = 0, reused = 0, returned = 0, released_bytes = 0;
};

Arena arena;

void on_collected(const v8::WeakCallbackInfo<Block>& info) {
  Block* b = info.GetParameter();
  b->handle.Reset();
  arena.live.erase(b->store.get());
  arena.collected.push_back(b);
}

void to_free_list(Block* b) {
  arena.live_bytes -= b->bytes;
  arena.free_bytes += b->bytes;
  arena.free_blocks[b->bytes].push_back(b->store->Data());
  arena.returned++;
  delete b;
}

void forget_swept_releases() {
  for (auto it = arena.released.begin(); it != arena.released.end();)
    it = it->second.expired() ? arena.released.erase(it) : std::next(it);
}

// Moves the collected blocks that no ArrayBuffer references any more to the free lists.
void reclaim() {
  size_t kept = 0;
  for (Block* b : arena.collected) {
    if (b->store.use_count() != 1) {
      arena.collected[kept++] = b;
      continue;
    }
    to_free_list(b);
  }
  arena.collected.resize(kept);
  arena.collected_at_last_look = kept;
  forget_swept_releases();
}

// Whether a miss should look through the collected blocks again: when more were collected since the
// last look, or every 32nd miss (V8 sweeps in the background, so a store may have been let go since).
// Looking on every miss cost a pass over thousands of blocks per allocation while the sweeper lagged.
bool worth_reclaiming() {
  if (arena.collected.empty()) return false;
  if (arena.collected.size() != arena.collected_at_last_look || ++arena.misses_since_look >= 32) {
    arena.misses_since_look = 0;
    return true;
  }
  return false;
}

// Frees free blocks (of any size) until `bytes` more fit in the budget; false when they cannot.
bool make_room(size_t bytes) {
  for (auto it = arena.free_blocks.begin();
       arena.live_bytes + arena.free_bytes + bytes > kBudgetBytes && it != arena.free_blocks.end(); ++it) {
    while (!it->second.empty() && arena.live_bytes + arena.free_bytes + bytes > kBudgetBytes) {
      std::free(it->second.back());
      it->second.pop_back();
      arena.free_bytes -= it->first;
    }
  }
  return arena.live_bytes + arena.free_bytes + bytes <= kBudgetBytes;
}

void* take_block(size_t bytes) {
  auto it = arena.free_blocks.find(bytes);
  if ((it == arena.free_blocks.end() || it->second.empty()) && worth_reclaiming()) {
    reclaim();
    it = arena.free_blocks.find(bytes);
  }
  if (it != arena.free_blocks.end() && !it->second.empty()) {
    void* p = it->second.back();
    it->second.pop_back();
    arena.free_bytes -= bytes;
    arena.reused++;
    return p;
  }
  if (!make_room(bytes)) return nullptr;
  void* p = std::aligned_alloc(kAlign, (bytes + kAlign - 1) / kAlign * kAlign);
  if (p != nullptr) arena.made++;
  return p;
}

// napi_value and v8::Local<v8::Value> are the same pointer (Node's own v8impl converts them so).
napi_value to_napi(v8::Local<v8::Value> v) {
  napi_value r;
  static_assert(sizeof(r) == sizeof(v), "napi_value is a v8::Local");
  std::memcpy(static_cast<void*>(&r), &v, sizeof(v));
  return r;
}

v8::Local<v8::Value> to_v8(napi_value v) {
  v8::Local<v8::Value> r;
  std::memcpy(static_cast<void*>(&r), &v, sizeof(v));
  return r;
}

// hostAlloc(bytes): an ArrayBuffer of `bytes` uncleared bytes from the arena, or undefined.
napi_value HostAlloc(napi_env env, napi_callback_info info) {
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  size_t argc = 1;
  napi_value argv[1];
  double requested = 0;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 1 ||
      napi_get_value_double(env, argv[0], &requested) != napi_ok || !(requested >= 1) ||
      requested > double(kBudgetBytes))
    return undefined;
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  if (arena.isolate == nullptr) arena.isolate = isolate;
  if (isolate != arena.isolate) return undefined;
  const size_t bytes = static_cast<size_t>(requested);
  void* data = take_block(bytes);
  if (data == nullptr) return undefined;
  std::shared_ptr<v8::BackingStore> store =
      v8::ArrayBuffer::NewBackingStore(data, bytes, v8::BackingStore::EmptyDeleter, nullptr);
  v8::Local<v8::ArrayBuffer> buffer = v8::ArrayBuffer::New(isolate, store);
  Block* b = new Block{v8::Global<v8::ArrayBuffer>(isolate, buffer), std::move(store), bytes};
  b->handle.SetWeak(b, on_collected, v8::WeakCallbackType::kParameter);
  arena.live[b->store.get()] = b;
  arena.live_bytes += bytes;
  return to_napi(buffer);
}

// hostRelease(arrayBuffer): gives back the block of an ArrayBuffer that hostAlloc made and that nothing
// will read or write again (the caller guarantees it, as for the host pool: the autograd engine's
// temporaries), without waiting for V8 to collect it: the next allocation wraps the block in a new,
// young ArrayBuffer, which a scavenge can collect (a buffer kept in a pool grows old, and old garbage
// waits for a full collection). Returns 1 when given back, 2 when that ArrayBuffer was given back
// before (nothing to do), 0 when it is not the arena's.
napi_value HostRelease(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t result = 0;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  bool is_buffer = false;
  if (argc >= 1 && v8::Isolate::GetCurrent() == arena.isolate &&
      napi_is_arraybuffer(env, argv[0], &is_buffer) == napi_ok && is_buffer) {
    v8::Local<v8::ArrayBuffer> buffer = to_v8(argv[0]).As<v8::ArrayBuffer>();
    std::shared_ptr<v8::BackingStore> store = buffer->GetBackingStore();
    auto it = arena.live.find(store.get());
    if (it != arena.live.end()) {
      Block* b = it->second;
      arena.live.erase(it);
      b->handle.Reset();  // no callback when V8 collects it
      if (arena.released.size() >= 4096) forget_swept_releases();
      arena.released[store.get()] = store;
      arena.released_bytes += double(b->bytes);
      to_free_list(b);
      result = 1;
    } else if (arena.released.count(store.get()) != 0) {
      result = 2;
    }
  }
  napi_value out;
  napi_create_int32(env, result, &out);
  return out;
}

// hostArenaStats(): [bytes in ArrayBuffers (live or collected), free bytes, blocks made, blocks
// reused, blocks returned (collected or released), budget, bytes given back by hostRelease].
napi_value HostArenaStats(napi_env env, napi_callback_info) {
  const double values[] = {double(arena.live_bytes), double(arena.free_bytes), arena.made, arena.reused,
                           arena.returned, double(kBudgetBytes), arena.released_bytes};
  napi_value out;
  napi_create_array_with_length(env, 7, &out);
  for (uint32_t i = 0; i < 7; i++) {
    napi_value v;
    napi_create_double(env, values[i], &v);
    napi_set_element(env, out, i, v);
  }
  return out;
}

}  // namespace

void register_host_arena(napi_env env, napi_value exports) {
  const napi_property_attributes attr = napi_enumerable;
  napi_property_descriptor d[] = {
      {"hostAlloc", nullptr, HostAlloc, nullptr, nullptr, nullptr, attr, nullptr},
      {"hostRelease", nullptr, HostRelease, nullptr, nullptr, nullptr, attr, nullptr},
      {"hostArenaStats", nullptr, HostArenaStats, nullptr, nullptr, nullptr, attr, nullptr},
  };
  napi_define_properties(env, exports, 3, d);
}

}  // namespace gs
