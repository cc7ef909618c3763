// Per-block shared memory for the emulator: one arena per host thread, reset for every block.
// Dynamic shared memory (sized by the launch) sits at offset 0, the static arrays declared with
// XEMB_SHARED follow in the order a block first reaches their declarations (offsets then stay the
// same for the rest of the launch). Element accesses go through proxies that bounds-check every
// index and report each read / write / atomic to the race checker with the accessing thread.
//
// Proxy caveat: `auto v = tile[i][j];` holds a reference, not a value (the read happens when v is
// used). Kernels write `float v = tile[i][j];`. Struct elements are read and written whole.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "emu.h"

namespace xemb::emu {

// One XEMB_SHARED declaration; a constexpr static at the declaration, its address is the key.
struct shared_site {
    const char * name;
    size_t elem_bytes, align;
    unsigned dims[4];
    int rank;
};

// Base address of this site's array in the current block (allocated on first use in the launch).
void * shared_static(const shared_site * s);
// Base and size of the dynamic shared memory of the current launch.
void * shared_dynamic(size_t * bytes);

enum class access : uint8_t { read, write, atomic };
// True while the calling thread's launch has the race checker on (checked inline to keep
// unchecked accesses cheap).
extern __thread bool tls_racecheck;
void shared_access(const void * p, size_t bytes, access kind);
// Faults "index i out of range" for the array and returns a scratch pointer of `bytes` bytes
// outside shared memory, so the faulting thread reads and writes harmlessly until it stops.
void * shared_out_of_range(const char * what, long long index, unsigned extent, size_t bytes);

// Reference to one element: reads and writes are recorded with the accessing thread.
template <class T>
class sref {
  public:
    explicit sref(T * p) : p_(p) {}
    operator T() const { return get(); }
    T get() const {
        if (tls_racecheck) shared_access(p_, sizeof(T), access::read);
        T v;
        std::memcpy(static_cast<void *>(&v), p_, sizeof(T));
        return v;
    }
    const sref & operator=(const T & v) const {
        if (tls_racecheck) shared_access(p_, sizeof(T), access::write);
        std::memcpy(static_cast<void *>(p_), &v, sizeof(T));
        return *this;
    }
    const sref & operator=(const sref & o) const { return *this = o.get(); }
    template <class U> const sref & operator+=(const U & v) const { return *this = static_cast<T>(get() + v); }
    template <class U> const sref & operator-=(const U & v) const { return *this = static_cast<T>(get() - v); }
    template <class U> const sref & operator*=(const U & v) const { return *this = static_cast<T>(get() * v); }
    template <class U> const sref & operator/=(const U & v) const { return *this = static_cast<T>(get() / v); }
    template <class U> const sref & operator|=(const U & v) const { return *this = static_cast<T>(get() | v); }
    template <class U> const sref & operator&=(const U & v) const { return *this = static_cast<T>(get() & v); }
    template <class U> const sref & operator^=(const U & v) const { return *this = static_cast<T>(get() ^ v); }
    template <class U> const sref & operator<<=(const U & v) const { return *this = static_cast<T>(get() << v); }
    template <class U> const sref & operator>>=(const U & v) const { return *this = static_cast<T>(get() >> v); }
    const sref & operator++() const { return *this += 1; }
    const sref & operator--() const { return *this -= 1; }
    T operator++(int) const { T o = get(); *this = static_cast<T>(o + 1); return o; }
    T operator--(int) const { T o = get(); *this = static_cast<T>(o - 1); return o; }
    // The raw address (for ldmatrix / cp.async / atomics); accesses through it are not recorded
    // unless the primitive records them itself.
    T * operator&() const { return p_; }

  private:
    T * p_;
};

template <class T, class I>
inline long long shared_index(I i) {
    static_assert(std::is_integral_v<I> || std::is_enum_v<I>, "shared-memory index must be an integer");
    return static_cast<long long>(i);
}

// A static array (or a sub-array of one): operator[] checks the index against this dimension.
template <class T, size_t D0, size_t... Ds>
class sarray {
    static constexpr size_t inner = (size_t{1} * ... * Ds);

  public:
    sarray(void * base, const shared_site * s) : base_(static_cast<T *>(base)), site_(s) {}
    template <class I>
    auto operator[](I i) const {
        const long long k = shared_index<T, I>(i);
        T * p = (k >= 0 && static_cast<size_t>(k) < D0) ? base_ + static_cast<size_t>(k) * inner
                                                        : static_cast<T *>(shared_out_of_range(site_->name, k, D0, sizeof(T) * inner));
        if constexpr (sizeof...(Ds) == 0) return sref<T>(p);
        else return sarray<T, Ds...>(p, site_);
    }
    T * data() const { return base_; }

  private:
    T * base_;
    const shared_site * site_;
};

// Pointer into dynamic shared memory: indexing and dereference check the dynamic window.
template <class T>
class sptr {
  public:
    sptr() = default;
    explicit sptr(T * p) : p_(p) {}
    template <class I>
    sref<T> operator[](I i) const { return sref<T>(checked(p_ + shared_index<T, I>(i))); }
    sref<T> operator*() const { return sref<T>(checked(p_)); }
    template <class I> sptr operator+(I n) const { return sptr(p_ + shared_index<T, I>(n)); }
    template <class I> sptr operator-(I n) const { return sptr(p_ - shared_index<T, I>(n)); }
    template <class I> sptr & operator+=(I n) { p_ += shared_index<T, I>(n); return *this; }
    template <class I> sptr & operator-=(I n) { p_ -= shared_index<T, I>(n); return *this; }
    sptr & operator++() { ++p_; return *this; }
    sptr & operator--() { --p_; return *this; }
    std::ptrdiff_t operator-(const sptr & o) const { return p_ - o.p_; }
    bool operator==(const sptr & o) const { return p_ == o.p_; }
    bool operator!=(const sptr & o) const { return p_ != o.p_; }
    bool operator<(const sptr & o) const { return p_ < o.p_; }
    // Reinterpret (e.g. a float region of the same dynamic buffer as float4).
    template <class U> sptr<U> as() const { return sptr<U>(reinterpret_cast<U *>(p_)); }
    T * get() const { return p_; }

  private:
    T * checked(T * q) const {
        size_t n = 0;
        auto * lo = static_cast<unsigned char *>(shared_dynamic(&n));
        auto * b = reinterpret_cast<unsigned char *>(q);
        if (b >= lo && b + sizeof(T) <= lo + n) return q;
        return static_cast<T *>(shared_out_of_range("dynamic_shared", static_cast<long long>((b - lo) / static_cast<std::ptrdiff_t>(sizeof(T))),
                                                    static_cast<unsigned>(n / sizeof(T)), sizeof(T)));
    }
    T * p_ = nullptr;
};

}  // namespace xemb::emu
