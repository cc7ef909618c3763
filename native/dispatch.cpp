#include "dispatch.h"

#include <memory>
#include <type_traits>
#include <utility>

#include "device.h"
#include "params/all.h"

namespace xemb {

namespace {

device * target_device(const op_args & args) {
    if (!args.inputs.empty() && args.inputs[0].store) return args.inputs[0].dev();
    return args.dev;
}

template <class P>
status prepare(op_id id, op_args & args, device *& dev, std::shared_ptr<P> & out) {
    auto p = std::make_shared<P>();
    status st = P::parse(id, args, *p);
    if (st.ok()) {
        dev = target_device(args);
        if (!dev) st = invalid_arg("expected a device, received none");
    }
    if (st.ok()) st = dev->health();
    if (st.ok()) {
        const kernel_table & kt = dev->kernels();
        if (!kt.rows[static_cast<int>(id)].fn)
            st = make_status(status_code::unsupported, std::string(op_name(id)) + " is not implemented on the " + kt.backend + " backend");
        else
            st = kt.supports(id, p.get());
    }
    if (!st.ok()) {
        st.op = op_name(id);
        return st;
    }
    out = std::move(p);
    return status::success();
}

// Params of ops that write some inputs in place list them in `in_place()`.
template <class P, class = void>
struct has_in_place : std::false_type {};
template <class P>
struct has_in_place<P, std::void_t<decltype(std::declval<const P &>().in_place())>> : std::true_type {};

template <class P>
std::vector<const tensor *> in_place_of(const P & p) {
    if constexpr (has_in_place<P>::value) return p.in_place();
    else return {};
}

template <class P>
status run_typed(op_id id, op_args & args, std::vector<tensor> & outputs) {
    device * dev = nullptr;
    std::shared_ptr<P> p;
    XEMB_RETURN_IF_ERROR(prepare<P>(id, args, dev, p));
    for (tensor * o : p->outputs()) {
        o->strides = contiguous_strides(o->shape);
        o->offset = 0;
        size_t bytes = static_cast<size_t>(o->shape.numel()) * dtype_size(o->type);
        status st = dev->allocate(bytes, o->store);
        if (!st.ok()) {
            st.op = op_name(id);
            return st;
        }
        o->store->producer = op_name(id);
    }
    outputs.clear();
    for (tensor * o : p->outputs()) outputs.push_back(*o);

    const kernel_fn fn = dev->kernels().rows[static_cast<int>(id)].fn;
    dev->queue().enqueue(op_name(id), [p, fn, dev, id]() -> status {
        // Data derived from a failed op stays marked as failed instead of becoming valid-looking.
        const std::vector<const tensor *> in_place = in_place_of(*p);
        for (const tensor * in : p->inputs()) {
            if (in->store->poison) {
                for (tensor * o : p->outputs()) o->store->poison = in->store->poison;
                for (const tensor * w : in_place) w->store->poison = in->store->poison;
                return status::success();
            }
        }
        // caches of derived data (packed GEMM weights) must see that this storage changes
        for (tensor * o : p->outputs()) o->store->version.fetch_add(1, std::memory_order_release);
        for (const tensor * w : in_place) w->store->version.fetch_add(1, std::memory_order_release);
        status st = fn(p.get(), dev->context(id));
        if (!st.ok()) {
            st.op = op_name(id);
            dev->note_status(st);
            auto poison = std::make_shared<const status>(st);
            for (tensor * o : p->outputs()) o->store->poison = poison;
            for (const tensor * w : in_place) w->store->poison = poison;
        }
        return st;
    });
    return status::success();
}

template <class P>
status check_typed(op_id id, op_args & args) {
    device * dev = nullptr;
    std::shared_ptr<P> p;
    return prepare<P>(id, args, dev, p);
}

}  // namespace

status run_op(op_id id, op_args & args, std::vector<tensor> & outputs) {
    switch (id) {
#define XEMB_OP(name, stem, P) \
    case op_id::name: return run_typed<P>(id, args, outputs);
#include "ops.def"
#undef XEMB_OP
    }
    return make_status(status_code::internal, "unknown op id");
}

status check_op(op_id id, op_args & args) {
    switch (id) {
#define XEMB_OP(name, stem, P) \
    case op_id::name: return check_typed<P>(id, args);
#include "ops.def"
#undef XEMB_OP
    }
    return make_status(status_code::internal, "unknown op id");
}

}  // namespace xemb
