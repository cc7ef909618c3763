// One ordered queue per device. Op calls enqueue and return at once; a single worker thread runs
// tasks in submission order (CPU: the kernel itself; CUDA: the launch onto the device's stream).
// A failing task records its error for the next sync task, which reports it. Data produced by a
// failed op is marked poisoned on its storage (see dispatch.cpp), so it can never be read back as
// if it were valid, even after the error was reported.
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
#include "status.h"

namespace xemb {

class device_queue {
  public:
    using task_fn = std::function<status()>;
    using sync_fn = std::function<void(status pending)>;

    explicit device_queue(std::string name);
    ~device_queue();  // drains, then joins the worker
    device_queue(const device_queue &) = delete;
    device_queue & operator=(const device_queue &) = delete;

    void enqueue(const char * op, task_fn fn);
    // fn runs on the worker after every earlier task, with the pending error; consume=true clears it
    void enqueue_sync(sync_fn fn, bool consume = true);
    // lets the worker thread set up per-thread state (e.g. cudaSetDevice) before any task
    void set_thread_init(std::function<void()> fn);
    size_t pending() const;

  private:
    struct task {
        const char * op;
        task_fn fn;
        sync_fn sync;
        bool consume;
    };
    void push(task t);
    void bury(task && t);
    void run();

    std::string name_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<task> tasks_;
    std::function<void()> thread_init_;
    status pending_error_;  // touched by the worker only
    bool stop_ = false;
    bool started_ = false;
    bool sleeping_ = false;
    std::atomic<size_t> queued_{0};  // lock-free view of tasks_.size() for the worker's polling
    // Finished tasks are destroyed by the next push (on the thread that allocated their state),
    // or by the worker once it goes idle: frees on the worker thread while the JS thread
    // allocates made both fight over the malloc arena lock, which cost microseconds per op call.
    std::mutex graveyard_mu_;
    std::vector<task> graveyard_;  // worker is blocked on cv_: only then does a push pay for a wake-up
    std::thread worker_;
};

}  // namespace xemb
