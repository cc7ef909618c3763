// Staged uploads from mapped files (see upload.h). The pipeline is device-neutral: the device's
// staging_ring decides what "slot", "send" and "wait" mean. On CUDA the slots are page-locked and
// send() is cudaMemcpyAsync + an event per slot, so fill() of slot k overlaps the DMA of slot k-1;
// on cuda-emu the same loop runs with host slots and memcpy, so tests exercise it without a GPU.
#include "upload.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <new>

namespace xemb {

void staging_ring::fill(int i, const unsigned char * src, size_t bytes) { std::memcpy(slot(i), src, bytes); }

namespace {

class host_staging_ring final : public staging_ring {
  public:
    explicit host_staging_ring(device * dev) : dev_(dev) {}
    ~host_staging_ring() override {
        for (unsigned char * p : slots_) std::free(p);
    }
    status init() {
        for (int i = 0; i < default_staging_slots; ++i) {
            auto * p = static_cast<unsigned char *>(std::aligned_alloc(4096, default_staging_slot_bytes));
            if (!p) return make_status(status_code::out_of_memory, "upload: could not allocate " + std::to_string(default_staging_slot_bytes) + " bytes of staging memory");
            slots_.push_back(p);
        }
        return status::success();
    }
    int slots() const override { return static_cast<int>(slots_.size()); }
    size_t slot_bytes() const override { return default_staging_slot_bytes; }
    unsigned char * slot(int i) override { return slots_[i]; }
    status wait(int) override { return status::success(); }  // send() was synchronous
    status send(int i, void * dst, size_t bytes) override { return dev_->copy_from_host(dst, slots_[i], bytes); }

  private:
    device * dev_;
    std::vector<unsigned char *> slots_;
};

status cancelled_status() { return make_status(status_code::cancelled, "upload cancelled"); }

}  // namespace

status device::staging(staging_ring *& out) {
    if (!host_staging_) {
        auto r = std::make_unique<host_staging_ring>(this);
        XEMB_RETURN_IF_ERROR(r->init());
        host_staging_ = std::move(r);
    }
    out = host_staging_.get();
    return status::success();
}

status device::measure_h2d(size_t bytes, int reps, double & gbs) {
    std::unique_ptr<unsigned char[]> src(new (std::nothrow) unsigned char[bytes]);
    std::unique_ptr<unsigned char[]> dst(new (std::nothrow) unsigned char[bytes]);
    if (!src || !dst) return make_status(status_code::out_of_memory, "h2d bandwidth: could not allocate 2 x " + std::to_string(bytes) + " bytes");
    std::memset(src.get(), 1, bytes);
    std::memset(dst.get(), 0, bytes);
    XEMB_RETURN_IF_ERROR(copy_from_host(dst.get(), src.get(), bytes));
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r) XEMB_RETURN_IF_ERROR(copy_from_host(dst.get(), src.get(), bytes));
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    gbs = static_cast<double>(bytes) * reps / s / 1e9;
    return status::success();
}

status staged_copy(device * dev, void * dst, const unsigned char * src, size_t bytes, const upload_options & opt) {
    if (!bytes) return status::success();
    staging_ring * ring = nullptr;
    XEMB_RETURN_IF_ERROR(dev->staging(ring));
    size_t chunk = ring->slot_bytes();
    if (opt.chunk_bytes && opt.chunk_bytes < chunk) chunk = opt.chunk_bytes;
    auto * out = static_cast<unsigned char *>(dst);
    for (size_t off = 0; off < bytes; off += chunk) {
        if (opt.cancel && opt.cancel->requested.load(std::memory_order_relaxed)) return cancelled_status();
        const int i = ring->next;
        ring->next = (i + 1) % ring->slots();
        const size_t len = bytes - off < chunk ? bytes - off : chunk;
        // the slot's previous transfer must have finished reading it before it is refilled
        XEMB_RETURN_IF_ERROR(ring->wait(i));
        ring->fill(i, src + off, len);
        XEMB_RETURN_IF_ERROR(ring->send(i, out + off, len));
    }
    return status::success();
}

status upload_from_mapping(const mapping_ptr & m, size_t offset, dtype type, const shape_t & shape, device * dev, upload_options opt, tensor & out) {
    const size_t bytes = static_cast<size_t>(shape.numel()) * dtype_size(type);
    if (offset > m->size || bytes > m->size - offset)
        return invalid_arg("upload: expected bytes [" + std::to_string(offset) + ", " + std::to_string(offset) + " + " + std::to_string(bytes) +
                           ") inside " + m->path + " of " + std::to_string(m->size) + " bytes");
    XEMB_RETURN_IF_ERROR(dev->health());
    tensor t;
    t.type = type;
    t.shape = shape;
    t.strides = contiguous_strides(shape);
    XEMB_RETURN_IF_ERROR(dev->allocate(bytes, t.store));
    t.store->producer = "load";
    storage_ptr dst = t.store;
    mapping_ptr keep = m;  // the file stays mapped until the task has read it
    auto o = std::make_shared<upload_options>(std::move(opt));
    dev->queue().enqueue("load", [dev, dst, keep, offset, bytes, o]() -> status {
        status st = o->cancel && o->cancel->requested.load() ? cancelled_status() : staged_copy(dev, dst->data, keep->base + offset, bytes, *o);
        if (!st.ok()) {
            dev->note_status(st);  // a sticky CUDA fault marks the device lost
            st.message = "loading " + std::to_string(bytes) + " bytes at offset " + std::to_string(offset) + " of " + keep->path + ": " + st.message;
            dst->poison = std::make_shared<const status>(st);
        }
        if (o->done) o->done(st);
        // a cancellation is the caller's decision, not a device failure to report at the next sync
        return st.code == status_code::cancelled ? status::success() : st;
    });
    out = std::move(t);
    return status::success();
}

}  // namespace xemb
