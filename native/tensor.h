// Tensors: a refcounted storage (device memory) plus dtype, shape and strides in elements,
// PyTorch order (outermost first). Views share storage; every view function validates and
// returns a status instead of throwing.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>
#include "dtype.h"
#include "status.h"

namespace xemb {

class device;

constexpr int max_rank = 8;

// A block of device memory. Freed (or returned to its device's cache) when the last tensor and
// the last queued task referencing it let go, so disposing a tensor in JS while an op that
// reads it is still queued is safe.
// Caches of data derived from a storage (the CPU GEMM's packed weights) key it on `id`, which is
// unique for the life of the process (an address can be reused after a free; an id cannot), and
// on `version`, which every op that writes the storage bumps before writing. A cache that keeps
// entries for a storage sets `derived` and registers a hook; ~storage calls the hooks for it.
uint64_t next_storage_id();
using storage_free_hook = void (*)(uint64_t id);
void add_storage_free_hook(storage_free_hook hook);  // at most a few, never removed
void run_storage_free_hooks(uint64_t id);

struct storage {
    const uint64_t id = next_storage_id();
    std::atomic<uint64_t> version{0};
    std::atomic<bool> derived{false};
    device * dev = nullptr;
    void * data = nullptr;
    size_t bytes = 0;
    std::function<void(storage &)> release;
    const char * producer = "upload";  // op that writes this storage (for guard-band reports)
    // Set (on the owning queue's thread) when the op that writes this storage failed or read
    // poisoned data; readbacks reject with it instead of returning garbage.
    std::shared_ptr<const status> poison;
    storage() = default;
    storage(const storage &) = delete;
    storage & operator=(const storage &) = delete;
    ~storage() {
        if (derived.load(std::memory_order_acquire)) run_storage_free_hooks(id);
        if (release) release(*this);
    }
};
using storage_ptr = std::shared_ptr<storage>;

struct shape_t {
    int rank = 0;
    std::array<int64_t, max_rank> dims{};
    int64_t operator[](int i) const { return dims[i]; }
    int64_t & operator[](int i) { return dims[i]; }
    int64_t numel() const { int64_t n = 1; for (int i = 0; i < rank; ++i) n *= dims[i]; return n; }
    bool operator==(const shape_t & o) const {
        if (rank != o.rank) return false;
        for (int i = 0; i < rank; ++i) if (dims[i] != o.dims[i]) return false;
        return true;
    }
    std::string str() const;  // "[2, 3, 4]"
    static status make(const std::vector<int64_t> & v, shape_t & out, const char * what);
};

struct tensor {
    storage_ptr store;
    int64_t offset = 0;  // in elements
    dtype type = dtype::f32;
    shape_t shape;
    shape_t strides;     // in elements; 0 on expanded dims

    int rank() const { return shape.rank; }
    int64_t numel() const { return shape.numel(); }
    size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(type); }
    device * dev() const { return store ? store->dev : nullptr; }
    bool is_contiguous() const;
    void * data() const { return static_cast<char *>(store->data) + offset * static_cast<int64_t>(dtype_size(type)); }
    template <class T> T * ptr() const { return reinterpret_cast<T *>(data()); }
    // [lo, hi) element range of the storage this view touches (hi = lo when empty)
    void storage_span(int64_t & lo, int64_t & hi) const;
};

shape_t contiguous_strides(const shape_t & shape);

// Views. `what` names the op for messages ("slice", "permute", ...).
status view_slice(const tensor & t, int dim, int64_t start, int64_t end, int64_t step, tensor & out);
status view_permute(const tensor & t, const std::vector<int64_t> & order, tensor & out);
status view_reshape(const tensor & t, const std::vector<int64_t> & shape, tensor & out);  // fails if a copy is needed
status view_expand(const tensor & t, const std::vector<int64_t> & shape, tensor & out);
status view_transpose(const tensor & t, int64_t d0, int64_t d1, tensor & out);

// Broadcast two shapes (NumPy rules). Message names arguments a and b.
status broadcast_shapes(const shape_t & a, const shape_t & b, shape_t & out, const char * name_a, const char * name_b);
// Strides of `t` viewed as `target` shape under broadcasting (0 on broadcast dims).
shape_t broadcast_strides(const tensor & t, const shape_t & target);

}  // namespace xemb
