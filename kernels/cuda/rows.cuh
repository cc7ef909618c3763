// Shared by the data-movement kernels (embedding, gather, concat): row copies in the widest word
// the addresses and lengths allow, and the device-side index check. A kernel never reads out of
// range: it records the first bad position in an int64 slot (atomic min) and writes zeros; the
// host reads the slot back right after the launch (one stream sync per call) and fails the op
// with the same message as the CPU backend, so the output is poisoned, never silently wrong.
#pragma once
#include <cstdint>
#include <initializer_list>

#include "../../native/device.h"
#include "../../native/params/gather.h"
#include "common.cuh"

namespace xemb::cuda {

struct alignas(16) word16 {
    uint64_t lo, hi;
};

// The widest of 16/8/4/2/1 bytes that divides every quantity (byte addresses, strides, lengths).
inline int word_bytes(std::initializer_list<uint64_t> quantities, int widest = 16) {
    int w = widest;
    for (uint64_t q : quantities)
        while (w > 1 && q % static_cast<uint64_t>(w) != 0) w >>= 1;
    return w;
}

// Calls f(W{}) with W the unsigned word of `bytes` bytes.
template <class F>
inline auto with_word_bytes(int bytes, F && f) {
    switch (bytes) {
        case 16: return f(word16{});
        case 8: return f(uint64_t{});
        case 4: return f(uint32_t{});
        case 2: return f(uint16_t{});
        default: return f(uint8_t{});
    }
}

template <class W>
__device__ __forceinline__ W zero_word() {
    W w;
    if constexpr (sizeof(W) == 16) w = word16{0, 0};
    else w = W(0);
    return w;
}

__device__ __forceinline__ int64_t load_index(const void * idx, bool is_i64, int64_t i) {
    return is_i64 ? static_cast<const int64_t *>(idx)[i] : static_cast<int64_t>(static_cast<const int32_t *>(idx)[i]);
}

// Only checks (for launches that would otherwise read no index, e.g. an empty outer extent).
template <class I>
__global__ void index_check_kernel(const I * idx, int64_t n, int64_t size, int64_t * bad) {
    grid_stride(n, [&](int64_t i) {
        const int64_t v = idx[i];
        if (v < 0 || v >= size) prim::atomic_min(bad, i);
    });
}

inline status launch_index_check(const char * op, const tensor & index, int64_t size, int64_t * bad, cudaStream_t stream) {
    const int64_t n = index.numel();
    if (index.type == dtype::i64) return launch(op, index_check_kernel<int64_t>, grid_for(n, 256), dim3(256), 0, stream, index.ptr<int64_t>(), n, size, bad);
    return launch(op, index_check_kernel<int32_t>, grid_for(n, 256), dim3(256), 0, stream, index.ptr<int32_t>(), n, size, bad);
}

struct bad_slot {
    storage_ptr store;
    int64_t * ptr = nullptr;
};

inline status make_bad_slot(const exec_ctx & ctx, bad_slot & s) {
    XEMB_RETURN_IF_ERROR(ctx.dev->allocate(sizeof(int64_t), s.store));
    s.store->producer = "index check";
    s.ptr = static_cast<int64_t *>(s.store->data);
    const int64_t none = INT64_MAX;
    return ctx.dev->copy_from_host(s.ptr, &none, sizeof none);
}

// After the launch: the op's status from the slot (reads the offending index value back too).
inline status check_bad_slot(const exec_ctx & ctx, const bad_slot & s, const char * op, const char * name, const tensor & index, int64_t size) {
    int64_t first = INT64_MAX;
    XEMB_RETURN_IF_ERROR(ctx.dev->copy_to_host(&first, s.ptr, sizeof first));
    if (first == INT64_MAX) return status::success();
    int64_t value = 0;
    if (index.type == dtype::i64) {
        XEMB_RETURN_IF_ERROR(ctx.dev->copy_to_host(&value, index.ptr<int64_t>() + first, sizeof value));
    } else {
        int32_t v32 = 0;
        XEMB_RETURN_IF_ERROR(ctx.dev->copy_to_host(&v32, index.ptr<int32_t>() + first, sizeof v32));
        value = v32;
    }
    return index_error(op, name, first, value, size);
}

// dst[r * dst_stride + j] = src[r * src_stride + j] for r < rows, j < len (words). Work items are
// (row, chunk of `chunk` words), one per block (grid-stride), so that a few long rows (a dim-0
// concat of two big tensors) still spread over the whole GPU.
template <class W>
__global__ void copy_rows_kernel(const W * src, int64_t src_stride, W * dst, int64_t dst_stride, int64_t rows, int64_t len, int64_t chunk) {
    const int64_t chunks = (len + chunk - 1) / chunk;
    for (int64_t item = blockIdx.x; item < rows * chunks; item += gridDim.x) {
        const int64_t r = item / chunks, j0 = (item - r * chunks) * chunk;
        const int64_t j1 = len < j0 + chunk ? len : j0 + chunk;
        const W * s = src + r * src_stride;
        W * d = dst + r * dst_stride;
        for (int64_t j = j0 + threadIdx.x; j < j1; j += blockDim.x) d[j] = s[j];
    }
}

inline dim3 rows_grid(int64_t rows) { return dim3(static_cast<unsigned>(rows < 65535 ? (rows > 0 ? rows : 1) : 65535)); }
inline dim3 rows_block(int64_t len) { return dim3(len >= 256 ? 256 : len >= 128 ? 128 : len >= 64 ? 64 : 32); }

}  // namespace xemb::cuda
