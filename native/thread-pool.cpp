#include "thread-pool.h"

#include <algorithm>

namespace xemb {

thread_pool::thread_pool(int threads) : n_threads_(std::max(1, threads)) {
    for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

thread_pool::~thread_pool() {
    {
        std::lock_guard<std::mutex> lk(mu_);
        stop_ = true;
    }
    cv_work_.notify_all();
    for (auto & t : workers_) t.join();
}

void thread_pool::worker_loop(int) {
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lk(mu_);
    for (;;) {
        cv_work_.wait(lk, [&] { return stop_ || (generation_ != seen && next_chunk_ < job_chunks_); });
        if (stop_) return;
        seen = generation_;
        while (next_chunk_ < job_chunks_) {
            int64_t c = next_chunk_++;
            auto * fn = job_;
            int64_t b = c * job_chunk_, e = std::min(job_n_, b + job_chunk_);
            lk.unlock();
            std::exception_ptr err;
            try {
                (*fn)(b, e);
            } catch (...) {
                err = std::current_exception();
            }
            lk.lock();
            if (err && !error_) error_ = err;
            if (++done_chunks_ == job_chunks_) cv_done_.notify_all();
        }
    }
}

void thread_pool::parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)> & fn) {
    if (n <= 0) return;
    grain = std::max<int64_t>(grain, 1);
    int64_t chunks = std::min<int64_t>(n_threads_, (n + grain - 1) / grain);
    if (chunks <= 1) { fn(0, n); return; }
    int64_t chunk = (n + chunks - 1) / chunks;
    chunks = (n + chunk - 1) / chunk;
    std::unique_lock<std::mutex> lk(mu_);
    job_ = &fn;
    job_n_ = n;
    job_chunk_ = chunk;
    job_chunks_ = chunks;
    next_chunk_ = 0;
    done_chunks_ = 0;
    ++generation_;
    cv_work_.notify_all();
    while (next_chunk_ < job_chunks_) {
        int64_t c = next_chunk_++;
        int64_t b = c * chunk, e = std::min(n, b + chunk);
        lk.unlock();
        std::exception_ptr err;
        try {
            fn(b, e);
        } catch (...) {
            err = std::current_exception();
        }
        lk.lock();
        if (err && !error_) error_ = err;
        ++done_chunks_;
    }
    cv_done_.wait(lk, [&] { return done_chunks_ == job_chunks_; });
    job_ = nullptr;
    job_chunks_ = 0;
    std::exception_ptr err = error_;
    error_ = nullptr;
    lk.unlock();
    if (err) std::rethrow_exception(err);
}

}  // namespace xemb
