// Moving data between JS memory and devices, and between devices, in queue order.
#pragma once
#include <functional>
#include <memory>
#include <vector>
#include "device.h"
#include "tensor.h"

namespace xemb {

struct host_buffer {
    std::unique_ptr<char[]> data;
    size_t bytes = 0;
};

// New contiguous tensor on `dev` holding a copy of `src` (copied before this returns, so the
// caller may reuse its memory at once).
status tensor_from_host(device * dev, dtype type, const shape_t & shape, const void * src, size_t bytes, tensor & out);

// Reads `t` (any strides) after every op enqueued before it on t's device. `done` runs on the
// device's queue thread with the data, or with the first error pending on that queue, or the
// error that poisoned t's storage.
void read_to_host(const tensor & t, std::function<void(status, host_buffer)> done);

// A copy of `t` on `dst`, ordered after t's producers and before later ops on `dst`.
status to_device(const tensor & t, device * dst, tensor & out);

// Runs `done` on `dev`'s queue thread once everything enqueued before is finished.
void synchronize(device * dev, std::function<void(status)> done);

}  // namespace xemb
