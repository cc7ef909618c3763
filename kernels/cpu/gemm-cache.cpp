// Packed-weight cache for linear (gemm.h: cached_packed_weights). An entry is valid for exactly
// one (storage id, storage version, view offset, dtype, N, K, packing variant): storage ids are
// never reused (a freed block whose address comes back gets a new id), and every op that writes a
// storage bumps its version first (native/dispatch.cpp), so an entry can never be served for
// other bytes. Entries of a freed storage are dropped by a storage free hook; the total is bounded
// (least recently used out first); packing happens outside the lock; entries are shared_ptrs, so
// an eviction while a GEMM still reads the panels is safe.
#include <cstdlib>
#include <mutex>
#include <vector>

#include "gemm.h"

namespace xemb::cpu {

namespace {

struct entry {
    uint64_t id, version;
    int64_t offset, n, k;
    dtype type;
    const gemm_isa * isa;
    std::shared_ptr<const packed_b> packed;
    uint64_t last_use;
};

struct cache {
    std::mutex mu;
    std::vector<entry> entries;
    size_t bytes = 0;
    uint64_t clock = 0, hits = 0, misses = 0;
    size_t cap = [] {
        const char * env = std::getenv("XEMB_GEMM_CACHE_MB");
        long long mb = env ? std::atoll(env) : 2048;
        return static_cast<size_t>(mb > 0 ? mb : 0) << 20;
    }();

    void erase_at(size_t i) {
        bytes -= entries[i].packed->bytes;
        entries[i] = std::move(entries.back());
        entries.pop_back();
    }
};

cache & the_cache() {
    static cache * c = [] {
        add_storage_free_hook([](uint64_t id) {
            cache & cc = the_cache();
            std::lock_guard<std::mutex> lk(cc.mu);
            for (size_t i = cc.entries.size(); i-- > 0;)
                if (cc.entries[i].id == id) cc.erase_at(i);
        });
        return new cache();  // never destroyed: storages may be freed during static destruction
    }();
    return *c;
}

bool same_view(const entry & e, const tensor & w, const gemm_isa & isa) {
    return e.id == w.store->id && e.offset == w.offset && e.type == w.type && e.n == w.shape[0] && e.k == w.shape[1] && e.isa == &isa;
}

}  // namespace

status cached_packed_weights(const tensor & w, const gemm_isa & isa, thread_pool & pool, std::shared_ptr<const packed_b> & out) {
    cache & c = the_cache();
    const uint64_t version = w.store->version.load(std::memory_order_acquire);
    {
        std::lock_guard<std::mutex> lk(c.mu);
        for (size_t i = 0; i < c.entries.size(); ++i) {
            if (!same_view(c.entries[i], w, isa)) continue;
            if (c.entries[i].version == version) {
                c.entries[i].last_use = ++c.clock;
                ++c.hits;
                out = c.entries[i].packed;
                return status::success();
            }
            c.erase_at(i);  // the storage was written since: stale
            break;
        }
        ++c.misses;
    }
    auto p = std::make_shared<packed_b>();
    gemm_operand b{w.data(), w.type, w.shape[1], 1};
    XEMB_RETURN_IF_ERROR(pack_b_all(isa, b, w.shape[0], w.shape[1], pool, *p));
    out = p;
    if (p->bytes > c.cap) return status::success();  // too large to keep: used once
    std::lock_guard<std::mutex> lk(c.mu);
    for (const entry & e : c.entries)
        if (same_view(e, w, isa) && e.version == version) return status::success();  // another thread won
    while (c.bytes + p->bytes > c.cap && !c.entries.empty()) {
        size_t lru = 0;
        for (size_t i = 1; i < c.entries.size(); ++i)
            if (c.entries[i].last_use < c.entries[lru].last_use) lru = i;
        c.erase_at(lru);
    }
    w.store->derived.store(true, std::memory_order_release);
    c.entries.push_back(entry{w.store->id, version, w.offset, w.shape[0], w.shape[1], w.type, &isa, p, ++c.clock});
    c.bytes += p->bytes;
    return status::success();
}

gemm_cache_stats gemm_cache_stats_now() {
    cache & c = the_cache();
    std::lock_guard<std::mutex> lk(c.mu);
    return {c.hits, c.misses, c.entries.size(), c.bytes};
}

}  // namespace xemb::cpu
