// Emulated atomics on global or shared addresses. Fibers of one block share a host thread, so
// they are atomic by construction; the operations still use the compiler's __atomic builtins so
// launches on different host threads touching the same global memory stay correct. Accesses to
// shared memory are reported to the race checker as atomic read-modify-writes (atomics do not
// race with each other, but do with plain reads and writes of other threads).
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

#include "shared.h"

namespace xemb::emu {

void atomic_misaligned(const void * p, size_t bytes);

template <class T>
inline bool atomic_enter(T * p) {
    if (reinterpret_cast<uintptr_t>(p) % sizeof(T) != 0) {
        atomic_misaligned(p, sizeof(T));
        return false;
    }
    if (tls_racecheck) shared_access(p, sizeof(T), access::atomic);
    return true;
}

// Integer word of the same size, for bit-pattern compare-and-swap on float / double.
template <class T> using atomic_word = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;

// atomicCAS: stores v if the old bits equal cmp's bits; returns the old value.
template <class T>
inline T atomic_cas(T * p, T cmp, T v) {
    static_assert(sizeof(T) == 4 || sizeof(T) == 8, "32- or 64-bit atomics");
    if (!atomic_enter(p)) return cmp;
    using W = atomic_word<T>;
    W c, n;
    std::memcpy(&c, &cmp, sizeof(T));
    std::memcpy(&n, &v, sizeof(T));
    __atomic_compare_exchange_n(reinterpret_cast<W *>(p), &c, n, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    T old;
    std::memcpy(&old, &c, sizeof(T));  // c holds the old value whether or not the swap happened
    return old;
}

// Read-modify-write with an arbitrary function, as one CAS loop on the value's bits.
template <class T, class F>
inline T atomic_rmw(T * p, F && f) {
    if (!atomic_enter(p)) return T(0);
    using W = atomic_word<T>;
    W * w = reinterpret_cast<W *>(p);
    W cur = __atomic_load_n(w, __ATOMIC_SEQ_CST);
    for (;;) {
        T old;
        std::memcpy(&old, &cur, sizeof(T));
        T nv = f(old);
        W n;
        std::memcpy(&n, &nv, sizeof(T));
        if (__atomic_compare_exchange_n(w, &cur, n, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) return old;
    }
}

// atomicAdd: integers wrap (two's complement), floats add with one IEEE rounding.
template <class T>
inline T atomic_add(T * p, T v) {
    if constexpr (std::is_integral_v<T>) {
        using U = std::make_unsigned_t<T>;
        return atomic_rmw(p, [v](T o) { return static_cast<T>(static_cast<U>(o) + static_cast<U>(v)); });
    } else {
        return atomic_rmw(p, [v](T o) {
            volatile T s = o + v;  // volatile: the sum is rounded on its own, never fused
            return static_cast<T>(s);
        });
    }
}

// atomicMax / atomicMin on integers (float and double use the CAS loop in prim/atomic.cuh, the
// same code on the GPU and here).
template <class T>
inline T atomic_max(T * p, T v) {
    static_assert(std::is_integral_v<T>, "integer atomic max");
    return atomic_rmw(p, [v](T o) { return o < v ? v : o; });
}
template <class T>
inline T atomic_min(T * p, T v) {
    static_assert(std::is_integral_v<T>, "integer atomic min");
    return atomic_rmw(p, [v](T o) { return v < o ? v : o; });
}

}  // namespace xemb::emu
