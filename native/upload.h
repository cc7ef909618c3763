// Uploads of mapped file bytes to a device through staging buffers, reading overlapped with
// copying: chunk k is copied from the mapping into staging slot k % slots while the device still
// reads the slots filled before it. Runs on the device's queue thread, in queue order.
#pragma once
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>

#include "device.h"
#include "mapping.h"
#include "tensor.h"

namespace xemb {

// Set from any thread; an upload checks it before each chunk (and before it starts).
struct upload_cancel {
    std::atomic<bool> requested{false};
};
using upload_cancel_ptr = std::shared_ptr<upload_cancel>;

struct upload_options {
    upload_cancel_ptr cancel;          // null: cannot be cancelled
    size_t chunk_bytes = 0;            // 0: the staging slot size; smaller values only for tests
    // Runs on the queue thread once the upload has finished (ok), failed, or been cancelled
    // (status_code::cancelled). Either way the tensor is unusable unless the status is ok.
    std::function<void(status)> done;
};

// New contiguous tensor on `dev` (not the CPU) with bytes [offset, offset + bytes) of `m`.
// The bounds are checked now; the copy is enqueued. A failed or cancelled upload poisons the
// tensor; a cancellation is not reported as a device failure at the next sync.
status upload_from_mapping(const mapping_ptr & m, size_t offset, dtype type, const shape_t & shape, device * dev, upload_options opt, tensor & out);

// The pipeline itself (queue thread of `dev`): dst (device memory) <- src[0, bytes).
status staged_copy(device * dev, void * dst, const unsigned char * src, size_t bytes, const upload_options & opt);

// Default staging: plain host memory, the device's synchronous copy_from_host.
constexpr size_t default_staging_slot_bytes = size_t(16) << 20;
constexpr int default_staging_slots = 3;

}  // namespace xemb
