// Fixed pool of worker threads sized to the machine's cores. Only the CPU device's queue thread
// submits work, so parallel_for is a fork-join over [0, n): the caller runs one share itself.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace xemb {

class thread_pool {
  public:
    explicit thread_pool(int threads);  // total including the caller
    ~thread_pool();
    thread_pool(const thread_pool &) = delete;
    thread_pool & operator=(const thread_pool &) = delete;

    int size() const { return n_threads_; }
    // fn(begin, end) over chunks of at least `grain` items; runs inline when one chunk suffices.
    // An exception thrown by fn on any thread is rethrown on the caller once all chunks finished.
    void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)> & fn);

  private:
    void worker_loop(int id);
    int n_threads_;
    std::vector<std::thread> workers_;
    std::mutex mu_;
    std::condition_variable cv_work_, cv_done_;
    const std::function<void(int64_t, int64_t)> * job_ = nullptr;
    int64_t job_n_ = 0, job_chunk_ = 0, job_chunks_ = 0;
    int64_t next_chunk_ = 0, done_chunks_ = 0;
    uint64_t generation_ = 0;
    bool stop_ = false;
    std::exception_ptr error_;
};

}  // namespace xemb
