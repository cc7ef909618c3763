#include "tensor.h"

#include <algorithm>
#include <limits>
#include <sstream>

namespace xemb {

uint64_t next_storage_id() {
    static std::atomic<uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
}

namespace {
constexpr int max_free_hooks = 8;
std::atomic<storage_free_hook> free_hooks[max_free_hooks];
std::atomic<int> free_hook_count{0};
}  // namespace

void add_storage_free_hook(storage_free_hook hook) {
    int i = free_hook_count.fetch_add(1);
    if (i < max_free_hooks) free_hooks[i].store(hook, std::memory_order_release);
}

void run_storage_free_hooks(uint64_t id) {
    int n = std::min(free_hook_count.load(std::memory_order_acquire), max_free_hooks);
    for (int i = 0; i < n; ++i)
        if (storage_free_hook h = free_hooks[i].load(std::memory_order_acquire)) h(id);
}

std::string shape_t::str() const {
    std::ostringstream s;
    s << '[';
    for (int i = 0; i < rank; ++i) s << (i ? ", " : "") << dims[i];
    s << ']';
    return s.str();
}

static std::string vec_str(const std::vector<int64_t> & v) {
    std::ostringstream s;
    s << '[';
    for (size_t i = 0; i < v.size(); ++i) s << (i ? ", " : "") << v[i];
    s << ']';
    return s.str();
}

status shape_t::make(const std::vector<int64_t> & v, shape_t & out, const char * what) {
    if (v.size() > static_cast<size_t>(max_rank))
        return invalid_arg(std::string(what) + ": expected rank <= " + std::to_string(max_rank) + ", received rank " + std::to_string(v.size()));
    out.rank = static_cast<int>(v.size());
    // element counts stay below 2^53 so they survive a round trip through JS numbers
    constexpr int64_t limit = int64_t(1) << 53;
    int64_t n = 1;
    for (size_t i = 0; i < v.size(); ++i) {
        if (v[i] < 0)
            return invalid_arg(std::string(what) + ": expected non-negative dimensions, received " + vec_str(v));
        if (v[i] != 0 && n > limit / v[i])
            return invalid_arg(std::string(what) + ": expected at most 2^53 elements, received shape " + vec_str(v));
        n *= v[i];
        out.dims[i] = v[i];
    }
    return status::success();
}

shape_t contiguous_strides(const shape_t & shape) {
    shape_t s;
    s.rank = shape.rank;
    int64_t acc = 1;
    for (int i = shape.rank - 1; i >= 0; --i) {
        s.dims[i] = acc;
        acc *= std::max<int64_t>(shape.dims[i], 1);
    }
    return s;
}

bool tensor::is_contiguous() const {
    int64_t expect = 1;
    for (int i = shape.rank - 1; i >= 0; --i) {
        if (shape.dims[i] == 1) continue;
        if (shape.dims[i] == 0) return true;
        if (strides.dims[i] != expect) return false;
        expect *= shape.dims[i];
    }
    return true;
}

void tensor::storage_span(int64_t & lo, int64_t & hi) const {
    lo = hi = offset;
    if (numel() == 0) return;
    int64_t mn = offset, mx = offset;
    for (int i = 0; i < shape.rank; ++i) {
        int64_t ext = (shape.dims[i] - 1) * strides.dims[i];
        if (ext < 0) mn += ext; else mx += ext;
    }
    lo = mn;
    hi = mx + 1;
}

static status norm_dim(int64_t d, int rank, const char * what, const char * arg, int & out) {
    int64_t r = std::max(rank, 1);
    if (d < -r || d >= r)
        return invalid_arg(std::string(what) + ": expected " + arg + " in [" + std::to_string(-r) + ", " + std::to_string(r - 1) + "], received " + std::to_string(d));
    out = static_cast<int>(d < 0 ? d + r : d);
    return status::success();
}

status view_slice(const tensor & t, int dim_in, int64_t start, int64_t end, int64_t step, tensor & out) {
    if (t.rank() == 0) return invalid_arg("slice: expected a tensor of rank >= 1, received a scalar (rank 0)");
    int dim;
    XEMB_RETURN_IF_ERROR(norm_dim(dim_in, t.rank(), "slice", "dim", dim));
    if (step <= 0) return invalid_arg("slice: expected step >= 1, received " + std::to_string(step));
    int64_t n = t.shape[dim];
    // negative indices count from the end, as in Python; anything else outside [0, n] is an error
    if (start < 0) start += n;
    if (end < 0) end += n;
    if (start < 0 || start > n)
        return invalid_arg("slice: expected start in [" + std::to_string(-n) + ", " + std::to_string(n) + "] for dim " + std::to_string(dim) + " of size " + std::to_string(n) + ", received " + std::to_string(start < 0 ? start - n : start));
    if (end < start || end > n)
        return invalid_arg("slice: expected end in [start=" + std::to_string(start) + ", " + std::to_string(n) + "] for dim " + std::to_string(dim) + " of size " + std::to_string(n) + ", received " + std::to_string(end));
    out = t;
    out.offset = t.offset + start * t.strides[dim];
    out.shape[dim] = (end - start + step - 1) / step;
    out.strides[dim] = t.strides[dim] * step;
    return status::success();
}

status view_permute(const tensor & t, const std::vector<int64_t> & order, tensor & out) {
    if (static_cast<int>(order.size()) != t.rank())
        return invalid_arg("permute: expected " + std::to_string(t.rank()) + " dims in order, received " + vec_str(order));
    std::array<bool, max_rank> seen{};
    tensor r = t;
    for (int i = 0; i < t.rank(); ++i) {
        int d;
        XEMB_RETURN_IF_ERROR(norm_dim(order[i], t.rank(), "permute", "each dim of order", d));
        if (seen[d]) return invalid_arg("permute: expected a permutation of 0.." + std::to_string(t.rank() - 1) + ", received " + vec_str(order));
        seen[d] = true;
        r.shape[i] = t.shape[d];
        r.strides[i] = t.strides[d];
    }
    out = r;
    return status::success();
}

status view_transpose(const tensor & t, int64_t d0, int64_t d1, tensor & out) {
    int a, b;
    XEMB_RETURN_IF_ERROR(norm_dim(d0, t.rank(), "transpose", "dim0", a));
    XEMB_RETURN_IF_ERROR(norm_dim(d1, t.rank(), "transpose", "dim1", b));
    out = t;
    if (t.rank() == 0) return status::success();
    std::swap(out.shape.dims[a], out.shape.dims[b]);
    std::swap(out.strides.dims[a], out.strides.dims[b]);
    return status::success();
}

status view_reshape(const tensor & t, const std::vector<int64_t> & req, tensor & out) {
    // resolve one -1
    std::vector<int64_t> dims = req;
    int infer = -1;
    int64_t known = 1;
    for (size_t i = 0; i < dims.size(); ++i) {
        if (dims[i] == -1) {
            if (infer >= 0) return invalid_arg("reshape: expected at most one -1 in shape, received " + vec_str(req));
            infer = static_cast<int>(i);
        } else if (dims[i] < 0) {
            return invalid_arg("reshape: expected dimensions >= -1, received " + vec_str(req));
        } else {
            if (dims[i] != 0 && known > (int64_t(1) << 53) / dims[i])
                return invalid_arg("reshape: expected at most 2^53 elements, received shape " + vec_str(req));
            known *= dims[i];
        }
    }
    int64_t n = t.numel();
    if (infer >= 0) {
        if (known == 0 || n % known != 0)
            return invalid_arg("reshape: cannot infer -1 in " + vec_str(req) + " for " + std::to_string(n) + " elements of shape " + t.shape.str());
        dims[infer] = n / known;
    }
    shape_t ns;
    XEMB_RETURN_IF_ERROR(shape_t::make(dims, ns, "reshape"));
    if (ns.numel() != n)
        return invalid_arg("reshape: expected a shape with " + std::to_string(n) + " elements (input " + t.shape.str() + "), received " + vec_str(req));
    tensor r = t;
    r.shape = ns;
    if (t.is_contiguous()) {
        r.strides = contiguous_strides(ns);
        out = r;
        return status::success();
    }
    // Non-contiguous: walk the old dims from the innermost; each maximal run of old dims that is
    // contiguous in memory (a "chunk") must be covered exactly by a run of new dims, which then get
    // strides relative to the chunk's innermost stride. Same criterion as PyTorch's computeStride.
    shape_t ns_strides;
    ns_strides.rank = ns.rank;
    int view_d = ns.rank - 1;
    int64_t base = t.strides[t.rank() - 1];
    int64_t tensor_numel = 1, view_numel = 1;
    for (int d = t.rank() - 1; d >= 0; --d) {
        tensor_numel *= t.shape[d];
        bool chunk_end = d == 0 || (t.shape[d - 1] != 1 && t.strides[d - 1] != tensor_numel * base);
        if (!chunk_end) continue;
        while (view_d >= 0 && (view_numel < tensor_numel || ns[view_d] == 1)) {
            ns_strides[view_d] = view_numel * base;
            view_numel *= ns[view_d];
            --view_d;
        }
        if (view_numel != tensor_numel)
            return invalid_arg("reshape: a view of shape " + vec_str(dims) + " cannot be made from a non-contiguous tensor of shape " + t.shape.str() + "; call contiguous() first");
        if (d > 0) {
            base = t.strides[d - 1];
            tensor_numel = view_numel = 1;
        }
    }
    if (view_d != -1)
        return invalid_arg("reshape: a view of shape " + vec_str(dims) + " cannot be made from a non-contiguous tensor of shape " + t.shape.str() + "; call contiguous() first");
    r.strides = ns_strides;
    out = r;
    return status::success();
}

status view_expand(const tensor & t, const std::vector<int64_t> & req, tensor & out) {
    if (static_cast<int>(req.size()) < t.rank())
        return invalid_arg("expand: expected a shape of rank >= " + std::to_string(t.rank()) + ", received " + vec_str(req));
    if (req.size() > static_cast<size_t>(max_rank))
        return invalid_arg("expand: expected rank <= " + std::to_string(max_rank) + ", received " + std::to_string(req.size()));
    tensor r = t;
    int lead = static_cast<int>(req.size()) - t.rank();
    r.shape.rank = r.strides.rank = static_cast<int>(req.size());
    for (int i = static_cast<int>(req.size()) - 1; i >= 0; --i) {
        int src = i - lead;
        int64_t want = req[i];
        if (src >= 0) {
            int64_t have = t.shape[src];
            if (want == -1) want = have;
            if (want == have) { r.shape[i] = have; r.strides[i] = t.strides[src]; continue; }
            if (have != 1 || want < 0)
                return invalid_arg("expand: expected size " + std::to_string(have) + " (or 1 in the input) at dim " + std::to_string(i) + " of " + vec_str(req) + ", input shape " + t.shape.str());
            r.shape[i] = want;
            r.strides[i] = 0;
        } else {
            if (want < 0) return invalid_arg("expand: expected non-negative new leading dims, received " + vec_str(req));
            r.shape[i] = want;
            r.strides[i] = 0;
        }
    }
    shape_t check;
    XEMB_RETURN_IF_ERROR(shape_t::make(std::vector<int64_t>(r.shape.dims.begin(), r.shape.dims.begin() + r.shape.rank), check, "expand"));
    out = r;
    return status::success();
}

status broadcast_shapes(const shape_t & a, const shape_t & b, shape_t & out, const char * name_a, const char * name_b) {
    int rank = std::max(a.rank, b.rank);
    shape_t r;
    r.rank = rank;
    for (int i = 0; i < rank; ++i) {
        int ia = i - (rank - a.rank), ib = i - (rank - b.rank);
        int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
        if (da != db && da != 1 && db != 1)
            return invalid_arg(std::string("expected ") + name_a + " " + a.str() + " and " + name_b + " " + b.str() + " to broadcast, but dim " + std::to_string(i) + " has sizes " + std::to_string(da) + " and " + std::to_string(db));
        r[i] = da == 1 ? db : da;
    }
    out = r;
    return status::success();
}

shape_t broadcast_strides(const tensor & t, const shape_t & target) {
    shape_t s;
    s.rank = target.rank;
    for (int i = 0; i < target.rank; ++i) {
        int it = i - (target.rank - t.rank());
        s[i] = (it >= 0 && t.shape[it] == target[i] && target[i] != 1) ? t.strides[it] : 0;
    }
    return s;
}

}  // namespace xemb
