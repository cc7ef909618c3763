#include "transfer.h"

#include <cstring>
#include <future>

#include "dispatch.h"

namespace xemb {

namespace {

status contiguous_of(const tensor & t, tensor & out) {
    if (t.is_contiguous()) { out = t; return status::success(); }
    op_args a;
    a.inputs.push_back(t);
    std::vector<tensor> outs;
    XEMB_RETURN_IF_ERROR(run_op(op_id::copy, a, outs));
    out = outs[0];
    return status::success();
}

bool is_cpu(const device * d) { return d->info().backend == "cpu"; }

}  // namespace

status tensor_from_host(device * dev, dtype type, const shape_t & shape, const void * src, size_t bytes, tensor & out) {
    size_t want = static_cast<size_t>(shape.numel()) * dtype_size(type);
    if (bytes != want)
        return invalid_arg("tensor: expected " + std::to_string(want) + " bytes of data for " + dtype_name(type) + " " + shape.str() + ", received " + std::to_string(bytes));
    XEMB_RETURN_IF_ERROR(dev->health());
    tensor t;
    t.type = type;
    t.shape = shape;
    t.strides = contiguous_strides(shape);
    XEMB_RETURN_IF_ERROR(dev->allocate(bytes, t.store));
    if (is_cpu(dev)) {
        if (bytes) std::memcpy(t.store->data, src, bytes);
    } else if (bytes) {
        auto staged = std::shared_ptr<char[]>(new (std::nothrow) char[bytes]);
        if (!staged) return make_status(status_code::out_of_memory, "tensor: could not allocate " + std::to_string(bytes) + " bytes of host staging memory");
        std::memcpy(staged.get(), src, bytes);
        storage_ptr store = t.store;
        dev->queue().enqueue("upload", [dev, store, staged, bytes]() -> status {
            status st = dev->copy_from_host(store->data, staged.get(), bytes);
            if (!st.ok()) store->poison = std::make_shared<const status>(st);
            return st;
        });
    }
    out = t;
    return status::success();
}

void read_to_host(const tensor & t_in, std::function<void(status, host_buffer)> done) {
    tensor t;
    status st = contiguous_of(t_in, t);
    if (!st.ok()) {
        // report through the queue so the caller sees one asynchronous path
        t_in.dev()->queue().enqueue_sync([st, done](status) { done(st, host_buffer{}); });
        return;
    }
    device * dev = t.dev();
    dev->queue().enqueue_sync([t, dev, done](status pending) {
        host_buffer hb;
        if (!pending.ok()) { done(pending, std::move(hb)); return; }
        status st = dev->finish();
        if (!st.ok()) { done(st, std::move(hb)); return; }
        if (t.store->poison) {
            status p = *t.store->poison;
            p.message = "this tensor was produced from a failed op: " + p.message;
            done(p, std::move(hb));
            return;
        }
        hb.bytes = t.nbytes();
        hb.data.reset(new (std::nothrow) char[hb.bytes ? hb.bytes : 1]);
        if (!hb.data) {
            done(make_status(status_code::out_of_memory, "toArray: could not allocate " + std::to_string(hb.bytes) + " bytes of host memory"), host_buffer{});
            return;
        }
        if (hb.bytes) st = dev->copy_to_host(hb.data.get(), t.data(), hb.bytes);
        done(st, std::move(hb));
    });
}

status to_device(const tensor & t_in, device * dst, tensor & out) {
    device * src_dev = t_in.dev();
    if (src_dev == dst) { out = t_in; return status::success(); }
    XEMB_RETURN_IF_ERROR(dst->health());
    tensor t;
    XEMB_RETURN_IF_ERROR(contiguous_of(t_in, t));
    tensor o;
    o.type = t.type;
    o.shape = t.shape;
    o.strides = contiguous_strides(t.shape);
    size_t bytes = t.nbytes();
    XEMB_RETURN_IF_ERROR(dst->allocate(bytes, o.store));
    o.store->producer = "to";

    // Both halves are enqueued now, so every queue sees the copy in call order; a source half
    // never waits on another queue, which rules out cycles between queues.
    struct handoff {
        std::promise<status> ready;
        std::shared_ptr<char[]> staged;  // host copy when the source is not the CPU
        bool poisoned = false;           // the source came from a failed op: already reported there
    };
    auto h = std::make_shared<handoff>();
    auto fut = std::make_shared<std::shared_future<status>>(h->ready.get_future().share());
    storage_ptr dst_store = o.store;
    src_dev->queue().enqueue_sync([t, src_dev, dst, h, dst_store, bytes](status) {
        if (t.store->poison) {
            h->poisoned = true;
            h->ready.set_value(*t.store->poison);
            return;
        }
        status st = src_dev->finish();
        if (st.ok() && !is_cpu(src_dev) && bytes) {
            if (is_cpu(dst)) {
                st = src_dev->copy_to_host(dst_store->data, t.data(), bytes);
            } else {
                h->staged = std::shared_ptr<char[]>(new (std::nothrow) char[bytes]);
                st = h->staged ? src_dev->copy_to_host(h->staged.get(), t.data(), bytes)
                               : make_status(status_code::out_of_memory, "to: could not allocate host staging memory");
            }
        }
        h->ready.set_value(st);
    }, false);
    dst->queue().enqueue("to", [t, src_dev, dst, h, fut, dst_store, bytes]() -> status {
        status st = fut->get();
        if (st.ok() && !is_cpu(dst) && bytes) {
            const void * from = is_cpu(src_dev) ? t.data() : h->staged.get();
            st = dst->copy_from_host(dst_store->data, from, bytes);
        }
        if (!st.ok()) dst_store->poison = std::make_shared<const status>(st);
        return h->poisoned ? status::success() : st;
    });
    out = o;
    return status::success();
}

void synchronize(device * dev, std::function<void(status)> done) {
    dev->queue().enqueue_sync([dev, done](status pending) {
        if (!pending.ok()) { done(pending); return; }
        done(dev->finish());
    });
}

}  // namespace xemb
